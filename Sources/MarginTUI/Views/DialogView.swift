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

func renderReviewDialog(_ s: AppState, _ b: inout CellBuffer) {
    guard let d = s.dialog else { return }
    let shown = min(d.metrics.count, max(1, b.rows - 14))
    let height = 10 + shown + (d.metrics.count > shown ? 1 : 0)
    let (top, left, _, w) = drawBox(
        &b, title: "Manual liquidation review — \(d.accountIds.count) account(s)", height: height, width: 96)
    var r = top
    b.put(row: r, col: left, "Figures recomputed now (at the latest prices):", role: .dialog, width: w)
    r += 1
    let head =
        TextCell.padRight("ACCOUNT", 14) + TextCell.padLeft("EQUITY", 13) + TextCell.padLeft("ADJ.EQ", 13)
        + TextCell.padLeft("MM", 12)
        + TextCell.padLeft("RATIO", 8) + TextCell.padLeft("DIST", 8) + "  STATE"
    b.put(row: r, col: left, head, role: .dialogTitle, width: w)
    r += 1
    for m in d.metrics.prefix(shown) {
        let text =
            TextCell.padRight(TextCell.truncate(TextCell.sanitize(m.accountId), width: 13), 14)
            + TextCell.padLeft(Money.format(m.equity, decimals: 0), 13)
            + TextCell.padLeft(Money.format(m.adjustedEquity, decimals: 0), 13)
            + TextCell.padLeft(Money.format(m.maintenanceMargin, decimals: 0), 12)
            + TextCell.padLeft(m.marginRatio.map { Fmt.ratio($0) } ?? "inf", 8)
            + TextCell.padLeft(m.distanceToLiquidation.map { Fmt.move($0) } ?? "none", 8) + "  "
        let c = b.put(row: r, col: left, text, role: .dialog, width: w)
        b.put(row: r, col: left + c, m.state, role: Role.of(AccountState(name: m.state) ?? .safe), width: w - c)
        r += 1
    }
    if d.metrics.count > shown {
        b.put(row: r, col: left, "… and \(d.metrics.count - shown) more", role: .dialog)
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
                Span("[Enter]", .dialogTitle), Span(" confirm   ", .dialog), Span("[Esc]", .dialogTitle),
                Span(" cancel", .dialog),
            ])
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
