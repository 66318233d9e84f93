import MarginCore
import MarginLive

func renderSystem(_ s: AppState, _ b: inout CellBuffer) {
    renderTitleBar(s, &b, screenName: "system")
    guard let snap = s.snapshot else { return }
    b.put(
        row: 1, col: 0,
        spans: [
            Span(" Whole book under a uniform market move (every non-stable price × (1+m), options repriced).  ", .dim),
            Span("insurance fund ", .dim), Span(Fmt.compact(snap.insuranceFund), .tableHeader),
            Span(s.systemCurveTime.map { "   computed \(Fmt.age(max(0, s.now - $0))) ago" } ?? "   computing…", .dim),
        ])
    let pts = s.systemCurve
    guard !pts.isEmpty else { return }
    let barW = max(10, b.cols - 62)
    let maxLoss = max(snap.insuranceFund, pts.map(\.shortfall).max() ?? 0, 1)
    let fundCol = Int((snap.insuranceFund / maxLoss * Double(barW)).rounded())
    let head =
        " " + TextCell.padLeft("MOVE", 7) + TextCell.padLeft("LIQUIDATABLE", 13) + TextCell.padLeft("BANKRUPT", 10)
        + TextCell.padLeft("SHORTFALL", 12) + TextCell.padLeft("SOCIALIZED", 12) + "  shortfall  (│ = insurance fund)"
    b.put(row: 2, col: 0, head, role: .tableHeader)
    let h = b.rows - 4
    for (i, p) in pts.prefix(h).enumerated() {
        let r = 3 + i
        let role: Role =
            p.socializedLoss > 0 ? .bankrupt : (p.bankrupt > 0 ? .liquidatable : (p.liquidatable > 0 ? .danger : .safe))
        var x = b.put(
            row: r, col: 0, " " + TextCell.padLeft(Fmt.move(p.move), 7), role: abs(p.move) < 1e-9 ? .tableHeader : .text
        )
        x += b.put(
            row: r, col: x, TextCell.padLeft("\(p.liquidatable)", 13) + TextCell.padLeft("\(p.bankrupt)", 10),
            role: role)
        x += b.put(
            row: r, col: x, TextCell.padLeft(Fmt.compact(p.shortfall), 12), role: p.shortfall > 0 ? .negative : .text)
        x += b.put(
            row: r, col: x, TextCell.padLeft(Fmt.compact(p.socializedLoss), 12),
            role: p.socializedLoss > 0 ? .error : .dim)
        x += 2
        b.put(
            row: r, col: x, Fmt.bar(p.shortfall / maxLoss, width: barW),
            role: p.shortfall > snap.insuranceFund ? .negative : .bar)
        b.put(row: r, col: x + min(fundCol, barW - 1), "│", role: .error)
    }
}
