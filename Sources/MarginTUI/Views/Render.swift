import MarginCore
import MarginLive

/// A run of text in one role.
public struct Span: Sendable, Equatable {
    public var text: String
    public var role: Role
    public init(_ text: String, _ role: Role = .text) {
        self.text = text
        self.role = role
    }
}

extension CellBuffer {
    /// Draws spans left to right from `col`, clipped at `maxCol`; returns the column after the last cell.
    @discardableResult
    public mutating func put(row: Int, col: Int, spans: [Span], maxCol: Int? = nil) -> Int {
        var c = col
        let end = min(cols, maxCol ?? cols)
        for s in spans {
            guard c < end else { break }
            c += put(row: row, col: c, s.text, role: s.role, width: end - c)
        }
        return c
    }
}

/// Draws the whole screen for `state` at its size.
public func render(_ state: AppState) -> CellBuffer {
    var b = CellBuffer(rows: state.rows, cols: state.cols)
    guard !state.isTooSmall else {
        renderTooSmall(state, &b)
        return b
    }
    switch state.screen {
    case .overview: renderOverview(state, &b)
    case .drill: renderDrill(state, &b)
    case .queue: renderQueue(state, &b)
    case .system: renderSystem(state, &b)
    }
    renderFooter(state, &b)
    if state.dialog != nil { renderReviewDialog(state, &b) }
    if state.screen == .queue, state.queue.prompt != nil { renderQueuePrompt(state, &b) }
    if state.columnChooser != nil { renderColumnChooser(state, &b) }
    if state.showHelp { renderHelp(state, &b) }
    return b
}

/// Renders at an explicit size (tests, the backend after a resize).
public func render(_ state: AppState, rows: Int, cols: Int) -> CellBuffer {
    var s = state
    s.rows = rows
    s.cols = cols
    return render(s)
}

func renderTooSmall(_ s: AppState, _ b: inout CellBuffer) {
    let lines = [
        "Terminal too small: \(s.cols)x\(s.rows)",
        "margintop needs at least \(Layout.minCols)x\(Layout.minRows).",
        "Enlarge the window, or press q to quit.",
    ]
    let top = max(0, b.rows / 2 - 1)
    for (i, l) in lines.enumerated() {
        let w = TextCell.width(l)
        b.put(row: top + i, col: max(0, (b.cols - w) / 2), l, role: i == 0 ? .error : .text)
    }
}

func renderFooter(_ s: AppState, _ b: inout CellBuffer) {
    let r = b.rows - 1
    b.fill(row: r, col: 0, height: 1, width: b.cols, role: .footer)
    if let f = s.filterEdit {
        let c = b.put(row: r, col: 0, spans: [Span(" filter: ", .footerKey), Span(f.text, .input)])
        let hint =
            s.filterError.map { Span("  " + $0, .error) }
            ?? Span("  Enter apply  Esc close  (id, name, state, asset; dist<5%)", .footer)
        b.put(row: r, col: c, spans: [Span("▏", .input), hint])
        return
    }
    if let n = s.notice, n.until >= s.now {
        b.put(row: r, col: 0, spans: [Span(" "), Span(n.text, n.role)])
        return
    }
    if let e = s.filterError, s.screen == .overview {
        b.put(row: r, col: 0, spans: [Span(" "), Span(e, .error), Span("  / edit  Esc clear", .footer)])
        return
    }
    if s.loading != nil && s.snapshot == nil {
        b.put(row: r, col: 0, spans: [Span(" q", .footerKey), Span(" quit", .footer)])
        return
    }
    var hints: [(String, String)] = [("q", "quit"), ("?", "help")]
    switch s.screen {
    case .overview:
        hints += [("↑↓jk", "move"), ("Enter", "drill"), ("/", "filter")]
        if !s.readOnly { hints += [("Space", "mark"), ("L", "review")] }
        hints += [("R", "reviews"), ("S", "system"), ("p i n e r d s…", "sort")]
    case .drill:
        hints += [("Esc", "back"), ("↑↓", "scroll"), ("[ ]", "asset"), ("+ -", "what-if ±5%"), ("0", "reset")]
        if !s.readOnly { hints.append(("L", "review")) }
        hints += [("R", "reviews"), ("S", "system")]
    case .queue:
        hints += [("Esc", "back"), ("↑↓", "move")]
        if s.queue.detail == nil { hints.append(("Enter", "history")) }
        hints.append(("R", "refresh"))
        if !s.readOnly { hints += [("A", "acknowledge"), ("C", "liquidated"), ("X", "dismissed")] }
    case .system:
        hints += [("Esc", "back"), ("R", "reviews")]
    }
    var spans: [Span] = []
    for (k, v) in hints {
        spans.append(Span(" \(k)", .footerKey))
        spans.append(Span(" \(v) ", .footer))
    }
    if !s.filter.isEmpty, s.screen == .overview { spans.append(Span(" filter: \(s.filter) ", .footerKey)) }
    b.put(row: r, col: 0, spans: spans)
}

/// A framed box in the middle of the screen; returns its inner rectangle (row, col, height, width).
/// The dashboard's dialogs and the cluster screen's draw theirs with it.
public func drawBox(_ b: inout CellBuffer, title: String, height: Int, width: Int, role: Role = .dialog) -> (
    Int, Int, Int, Int
) {
    let w = max(0, min(width, b.cols - 2))
    let h = max(0, min(height, b.rows - 2))
    let top = max(0, (b.rows - h) / 2)
    let left = max(0, (b.cols - w) / 2)
    // No room for a frame: nothing drawn, an empty inside.
    guard h >= 2, w >= 4 else { return (top, left, 0, 0) }
    // A blank column either side, so no stray character of the screen below sits against the
    // border (at 80 columns the overview's cursor mark and its last letter did).
    b.fill(row: top, col: left - 1, height: h, width: 1, role: .text)
    b.fill(row: top, col: left + w, height: h, width: 1, role: .text)
    b.fill(row: top, col: left, height: h, width: w, role: role)
    b.put(row: top, col: left, "┌" + String(repeating: "─", count: max(0, w - 2)) + "┐", role: role)
    b.put(row: top + h - 1, col: left, "└" + String(repeating: "─", count: max(0, w - 2)) + "┘", role: role)
    for r in (top + 1)..<(top + h - 1) {
        b.put(row: r, col: left, "│", role: role)
        b.put(row: r, col: left + w - 1, "│", role: role)
    }
    b.put(row: top, col: left + 2, " \(title) ", role: .dialogTitle, width: w - 4)
    return (top + 1, left + 2, h - 2, w - 4)
}
