import MarginCore
import MarginStore
import MarginTUI
import TerminalCore

extension ClusterScreen {
    /// The screen for a state: the merged view with the selected account, or one account's
    /// drill-down; the review dialog over either; the footer's keys or notice.
    public static func render(_ s: ClusterScreenState) -> CellBuffer {
        let size = s.size
        var b: CellBuffer
        switch s.screen {
        case .list: b = renderList(s)
        case .drill: b = renderDrill(s)
        }
        if let d = s.dialog { renderDialog(d, s, &b) }
        if let n = s.notice, n.until > s.now {
            _ = b.put(row: size.rows - 1, col: 0, TextCell.sanitize(n.text), role: n.role, width: size.cols)
        } else {
            var spans: [Span] = []
            for (k, v) in footerKeys(s) {
                spans.append(Span(" \(k)", .footerKey))
                spans.append(Span(" \(v) ", .footer))
            }
            b.put(row: size.rows - 1, col: 0, spans: spans, maxCol: size.cols)
        }
        return b
    }

    static func footerKeys(_ s: ClusterScreenState) -> [(String, String)] {
        if s.dialog != nil { return [("Enter", "confirm"), ("Esc", "cancel")] }
        var keys: [(String, String)] = [("q", "quit")]
        switch s.screen {
        case .list: keys += [("↑↓ j k", "move"), ("Enter", "drill into account")]
        case .drill: keys += [("Esc", "back"), ("↑↓", "scroll")]
        }
        keys.append(s.readOnly ? ("read-only", "no reviews") : ("L", "liquidation review"))
        keys.append(("figures", "each shard's, as of its last publish"))
        return keys
    }

    static func renderList(_ s: ClusterScreenState) -> CellBuffer {
        let size = s.size
        var b = CellBuffer(rows: size.rows, cols: size.cols)
        var row = 0
        func line(_ text: String, _ role: Role) {
            guard row < size.rows - 1 else { return }
            _ = b.put(row: row, col: 0, TextCell.sanitize(text), role: role, width: size.cols)
            row += 1
        }
        if let e = s.readError {
            let when = s.view.map { " (showing the read of \(Timestamp.format($0.time)))" } ?? ""
            line("margintop --cluster   cannot read the merged view: \(e)\(when)", .error)
        } else {
            line("margintop --cluster", .title)
        }
        guard let view = s.view else {
            if s.readError == nil { line("reading the merged view…", .dim) }
            return b
        }
        let (summary, shards, accounts) = view.tableSections()
        for t in summary { line(t, .text) }
        row += 1
        for (i, t) in shards.enumerated() {
            line(t, i == 0 ? .tableHeader : role(view.shards[i - 1].health))
        }
        row += 1
        // The cursor row carries a `>` in its first column (as the dashboard's), seen in every theme.
        for (i, t) in accounts.enumerated() where row < size.rows - 1 && i <= s.visibleAccounts {
            let chosen = i > 0 && i - 1 == s.cursor
            line(
                (chosen ? "> " : "  ") + t,
                i == 0 ? .tableHeader : chosen ? .selected : role(view.top[i - 1].result.state))
            if chosen { b.paint(row: row - 1, col: 0, width: size.cols, role: .selected) }
        }
        return b
    }

    /// The drill-down's lines: what the merged view knows of the account, then the store's account.
    static func drillLines(_ s: ClusterScreenState) -> [(String, Role)] {
        guard let d = s.drill else { return [] }
        var out: [(String, Role)] = []
        let shown = d.entry ?? d.lastSeen
        var name = "-"
        if case .loaded(let a?, _) = d.stored { name = a.name ?? "-" }
        out.append(("\(d.id)   name \(name)", .title))
        let view = s.view
        if let a = shown {
            let n = view?.shardCount ?? 0
            if let sh = view?.shard(a.shard) {
                let age = sh.age.map { Money.fixed($0, decimals: 1) + " s ago" } ?? "never"
                let hb = sh.heartbeat
                let exchange = hb?.lastExchangeMs.map { Timestamp.format(Double($0) / 1000) } ?? "-"
                out.append(
                    (
                        "shard \(a.shard)/\(n): \(sh.health.rawValue), last publish \(age), feed \(hb?.feed ?? "-"), "
                            + "last exchange time \(exchange)", role(sh.health)
                    ))
            }
            out.append(("", .text))
            out.append(("As published by shard \(a.shard)/\(n), not recomputed here:", .tableHeader))
            for l in published(a, s) { out.append(("  " + l, .dim)) }
            let r = a.result
            out.append(("  state          \(r.state.name)\(r.stale ? " (stale prices)" : "")", role(r.state)))
            out.append(("  margin ratio   \(r.marginRatio.isFinite ? Money.percent(r.marginRatio) : "inf")", .text))
            out.append(("  equity         \(Money.format(r.equity))", .text))
            out.append(("  adj. equity    \(Money.format(r.adjustedEquity))", .text))
            out.append(("  MM             \(Money.format(r.maintenanceMargin))", .text))
            out.append(
                ("  distance       \(r.distance.map { Money.signedPercent($0) } ?? "none / not analysed")", .text))
            for w in s.warnings(for: a) { out.append(("  " + w, .error)) }
        }
        out.append(("", .text))
        switch d.stored {
        case .loading:
            out.append(("Stored account: reading from the store…", .dim))
        case .failed(let e):
            out.append(("Stored account: cannot read it: \(e)", .error))
        case .loaded(nil, _):
            out.append(("Stored account: the store has no account \(d.id)", .warning))
        case .loaded(let a?, let at):
            out.append(
                (
                    "Stored account, read from the store at \(Timestamp.format(at)) "
                        + "(model \(a.model?.rawValue ?? "book default")):", .tableHeader
                ))
            for sub in a.subaccounts {
                out.append(
                    (
                        "  subaccount \(sub.id): \(sub.collateral.count) collateral line(s), "
                            + "\(sub.positions.count) position(s)", .text
                    ))
                for c in sub.collateral {
                    out.append(
                        (
                            "    collateral  \(c.asset)  \(quantity(c.amount))\(c.venue.map { "  venue \($0)" } ?? "")",
                            .text
                        ))
                }
                for p in sub.positions {
                    let iso = p.isolatedCollateral.map { "  isolated \(Money.format($0))" } ?? ""
                    out.append(
                        (
                            "    position    \(p.instrument)  qty \(quantity(p.quantity))  "
                                + "entry \(quantity(p.entryPrice))\(iso)", .text
                        ))
                }
            }
        }
        return out
    }

    static func renderDrill(_ s: ClusterScreenState) -> CellBuffer {
        let size = s.size
        var b = CellBuffer(rows: size.rows, cols: size.cols)
        if let e = s.readError {
            _ = b.put(
                row: 0, col: 0, TextCell.sanitize("margintop --cluster › account   cannot read the merged view: \(e)"),
                role: .error, width: size.cols)
        } else {
            _ = b.put(row: 0, col: 0, "margintop --cluster › account", role: .title, width: size.cols)
        }
        let lines = drillLines(s)
        let room = max(1, size.rows - 2)
        let scroll = max(0, min(s.drill?.scroll ?? 0, lines.count - room))
        for (i, l) in lines.dropFirst(scroll).prefix(room).enumerated() {
            _ = b.put(row: 1 + i, col: 0, TextCell.sanitize(l.0), role: l.1, width: size.cols)
        }
        return b
    }

    static func renderDialog(_ d: ClusterScreenState.Dialog, _ s: ClusterScreenState, _ b: inout CellBuffer) {
        let a = d.account
        let warnings = s.warnings(for: a)
        let (top, left, _, w) = drawBox(
            &b, title: "Manual liquidation review — 1 account(s)", height: 14 + warnings.count, width: 96)
        var r = top
        func put(_ text: String, _ role: Role) {
            _ = b.put(row: r, col: left, TextCell.sanitize(text), role: role, width: w)
            r += 1
        }
        put("Figures as published by shard \(a.shard)/\(s.view?.shardCount ?? 0), not recomputed here:", .dialog)
        for l in published(a, s) { put(l, .dialog) }
        let head =
            TextCell.padRight("ACCOUNT", 14) + TextCell.padLeft("EQUITY", 13) + TextCell.padLeft("ADJ.EQ", 13)
            + TextCell.padLeft("MM", 13) + TextCell.padLeft("RATIO", 9) + TextCell.padLeft("DIST", 9) + "  STATE"
        put(head, .dialogTitle)
        let m = a.result
        let text =
            TextCell.padRight(TextCell.truncate(TextCell.sanitize(m.accountId), width: 13), 14)
            + TextCell.padLeft(Money.format(m.equity, decimals: 0), 13)
            + TextCell.padLeft(Money.format(m.adjustedEquity, decimals: 0), 13)
            + TextCell.padLeft(Money.format(m.maintenanceMargin, decimals: 0), 13)
            + TextCell.padLeft(m.marginRatio.isFinite ? Money.percent(m.marginRatio, decimals: 1) : "inf", 9)
            + TextCell.padLeft(m.distance.map { Money.signedPercent($0, decimals: 1) } ?? "none", 9) + "  "
        let x = b.put(row: r, col: left, text, role: .dialog, width: w)
        _ = b.put(row: r, col: left + x, m.state.name, role: role(m.state), width: w - x)
        r += 1
        for warning in warnings { put(warning, .error) }
        put("The store also records its own figures beside these, at its stored market prices.", .dim)
        r += 1
        put("Note (required):", .dialogTitle)
        let editing: Bool
        switch d.phase {
        case .editing, .failed: editing = true
        default: editing = false
        }
        b.fill(row: r, col: left, height: 1, width: w, role: .input)
        let note = TextCell.sanitize(d.note.text)
        let shownNote = String(note.suffix(max(0, w - 2)))
        let nx = b.put(row: r, col: left, shownNote, role: .input, width: w)
        if editing, nx < w { b.paint(row: r, col: left + nx, width: 1, role: .selected) }
        r += 1
        put("operator \(s.operatorName)", .dialog)
        r += 1
        switch d.phase {
        case .editing:
            b.put(
                row: r, col: left,
                spans: [
                    Span("[Enter]", .dialogTitle),
                    Span(warnings.isEmpty ? " confirm   " : " confirm on these STALE figures   ", .dialog),
                    Span("[Esc]", .dialogTitle), Span(" cancel", .dialog),
                ], maxCol: left + w)
        case .saving, .failed, .stored:
            drawReviewOutcome(&b, row: r, col: left, width: w, d.phase)
        }
    }

    /// When the shard wrote the account's row (a publish rewrites only the rows that changed) and
    /// when it last published: the figures are the shard's as of that publish (two lines).
    static func published(_ a: ClusterView.Account, _ s: ClusterScreenState) -> [String] {
        var lines = [
            "published \(Timestamp.format(Double(a.resultMs) / 1000)) (\(Money.fixed(s.age(of: a), decimals: 1)) s ago)"
        ]
        if let shard = s.view?.shard(a.shard), let hb = shard.heartbeat {
            let age = shard.age.map { " (\(Money.fixed($0, decimals: 1)) s ago)" } ?? ""
            lines.append(
                "still so at the shard's last publish \(Timestamp.format(Double(hb.lastPublishMs) / 1000))\(age)")
        }
        return lines
    }

    /// A quantity: grouped, up to 8 decimals, no trailing zeros.
    static func quantity(_ x: Double) -> String {
        var t = Money.format(x, decimals: 8)
        guard t.contains(".") else { return t }
        while t.hasSuffix("0") { t.removeLast() }
        if t.hasSuffix(".") { t.removeLast() }
        return t
    }
}
