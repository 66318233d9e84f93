import MarginCore

/// Draws a text field with its cursor in `width` cells, scrolled so the cursor shows.
func drawField(_ b: inout CellBuffer, row: Int, col: Int, width: Int, _ f: TextField, active: Bool) {
    b.fill(row: row, col: col, height: 1, width: width, role: .input)
    let chars = f.characters
    var start = 0
    func w(_ r: Range<Int>) -> Int { chars[r].reduce(0) { $0 + TextCell.width(String($1)) } }
    while start < f.cursor, w(start..<f.cursor) > width - 2 { start += 1 }
    b.put(row: row, col: col, String(chars[start...]), role: .input, width: width)
    if active {
        let cx = col + w(start..<f.cursor)
        if cx < col + width { b.paint(row: row, col: cx, width: 1, role: .selected) }
    }
}

/// How many accounts the review dialog lists at once at this screen size.
func reviewDialogListHeight(_ s: AppState) -> Int {
    min(s.dialog?.accountIds.count ?? 0, max(1, s.rows - 15))
}

/// The review dialog's columns: the full widths when the box has room, narrower ones (compact money) at 80
/// columns, so STATE (up to `liquidatable`) is never cut.
private func dialogColumns(width w: Int) -> (account: Int, money: Int, mm: Int, ratio: Int, dist: Int) {
    w >= 14 + 13 + 13 + 12 + 8 + 8 + 14 ? (14, 13, 12, 8, 8) : (12, 11, 11, 7, 8)
}

func renderReviewDialog(_ s: AppState, _ b: inout CellBuffer) {
    guard let d = s.dialog else { return }
    let n = d.accountIds.count
    let shown = reviewDialogListHeight(s)
    let scroll = max(0, min(d.scroll, n - shown))
    let height = 10 + shown + (n > shown ? 1 : 0)
    let (top, left, _, w) = drawBox(
        &b, title: "Manual liquidation review — \(n) account(s)", height: height, width: 96)
    var r = top
    b.put(row: r, col: left, "Figures recomputed now (at the latest prices):", role: .dialog, width: w)
    r += 1
    let c = dialogColumns(width: w)
    let head =
        TextCell.padRight("ACCOUNT", c.account) + TextCell.padLeft("EQUITY", c.money)
        + TextCell.padLeft("ADJ.EQ", c.money) + TextCell.padLeft("MM", c.mm) + TextCell.padLeft("RATIO", c.ratio)
        + TextCell.padLeft("DIST", c.dist) + "  STATE"
    b.put(row: r, col: left, head, role: .dialogTitle, width: w)
    r += 1
    let byId = Dictionary(d.metrics.map { ($0.accountId, $0) }, uniquingKeysWith: { a, _ in a })
    for id in d.accountIds[scroll..<min(n, scroll + shown)] {
        let account = TextCell.padRight(TextCell.truncate(TextCell.sanitize(id), width: c.account - 1), c.account)
        guard let m = byId[id] else {
            b.put(row: r, col: left, account + "computing…", role: .dim, width: w)
            r += 1
            continue
        }
        let text =
            account + TextCell.padLeft(money(m.equity, c.money - 1), c.money)
            + TextCell.padLeft(money(m.adjustedEquity, c.money - 1), c.money)
            + TextCell.padLeft(money(m.maintenanceMargin, c.mm - 1), c.mm)
            + TextCell.padLeft(m.marginRatio.map { Fmt.ratio($0) } ?? "inf", c.ratio)
            + TextCell.padLeft(m.distanceToLiquidation.map { Fmt.move($0) } ?? "none", c.dist) + "  "
        let x = b.put(row: r, col: left, text, role: .dialog, width: w)
        b.put(row: r, col: left + x, m.state, role: Role.of(AccountState(name: m.state) ?? .safe), width: w - x)
        r += 1
    }
    // Where the list is, and how to see the rest of it.
    let unseen = max(0, n - 1 - d.seenThrough)
    if n > shown {
        var spans = [Span("accounts \(scroll + 1)-\(min(n, scroll + shown)) of \(n)   ↑ ↓ PgUp PgDn scroll", .dialog)]
        if unseen > 0 { spans.append(Span("   \(unseen) not shown yet", .dialogTitle)) }
        b.put(row: r, col: left, spans: spans, maxCol: left + w)
        r += 1
    }
    r += 1
    b.put(row: r, col: left, "Note (required):", role: .dialogTitle)
    r += 1
    let editing: Bool
    switch d.phase {
    case .editing, .failed: editing = true
    default: editing = false
    }
    drawField(&b, row: r, col: left, width: w, d.note, active: editing)
    r += 1
    b.put(row: r, col: left, "operator \(s.operatorName)", role: .dialog)
    r += 2
    switch d.phase {
    case .editing:
        b.put(
            row: r, col: left,
            spans: [
                Span("[Enter]", .dialogTitle),
                Span(unseen > 0 ? " show the next accounts (all before confirming)   " : " confirm   ", .dialog),
                Span("[Esc]", .dialogTitle), Span(" cancel", .dialog),
            ], maxCol: left + w)
    case .saving, .failed, .stored:
        drawReviewOutcome(&b, row: r, col: left, width: w, d.phase)
    }
}

/// The review dialog's last row once confirmed: saving, not stored (with retry), or stored
/// (the dashboard's and the cluster screen's dialogs).
public func drawReviewOutcome(
    _ b: inout CellBuffer, row r: Int, col left: Int, width w: Int, _ phase: ReviewDialog.Phase
) {
    switch phase {
    case .editing:
        return
    case .saving:
        b.put(row: r, col: left, " saving… ", role: .dialogTitle)
    case .failed(let e):
        b.put(
            row: r, col: left,
            spans: [Span(" NOT STORED: \(e) ", .error), Span("  [Enter] retry  [Esc] cancel", .dialog)],
            maxCol: left + w)
    case .stored(let ids):
        b.put(
            row: r, col: left,
            spans: [
                Span(" stored \(ids.map(Review.label).joined(separator: ", ")) ", .ok),
                Span("  any key closes", .dialog),
            ], maxCol: left + w)
    }
}

func renderQueuePrompt(_ s: AppState, _ b: inout CellBuffer) {
    guard let p = s.queue.prompt else { return }
    let what: String
    switch p.kind {
    case .acknowledge: what = "Acknowledge"
    case .resolve(let o): what = "Resolve as \(o.rawValue)"
    }
    let (top, left, _, w) = drawBox(&b, title: "\(what) review \(Review.label(p.reviewId))", height: 8, width: 80)
    b.put(row: top, col: left, "Note:", role: .dialogTitle)
    drawField(&b, row: top + 1, col: left, width: w, p.note, active: !p.saving)
    if p.saving {
        b.put(row: top + 3, col: left, " saving… ", role: .dialogTitle)
    } else if let e = p.error {
        b.put(
            row: top + 3, col: left,
            spans: [Span(" NOT SAVED: \(e) ", .error), Span("  [Enter] retry  [Esc] cancel", .dialog)], maxCol: left + w
        )
    } else {
        b.put(
            row: top + 3, col: left,
            spans: [
                Span("[Enter]", .dialogTitle), Span(" confirm   ", .dialog), Span("[Esc]", .dialogTitle),
                Span(" cancel", .dialog),
            ])
    }
}
