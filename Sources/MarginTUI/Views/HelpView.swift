import MarginCore

/// Where the help overlay goes at a screen size, and its text wrapped to that width.
struct HelpLayout {
    /// Outer box size.
    var boxWidth: Int
    var boxHeight: Int
    /// The help's lines (wrapped) and how many show at once.
    var lines: [[Span]]
    var visible: Int

    /// The largest useful scroll: the last lines at the bottom of the box.
    var maxScroll: Int { max(0, lines.count - visible) }

    init(_ s: AppState) {
        // Borders (2) and margins (2) around the text; at most 100 wide.
        boxWidth = min(100, max(20, s.cols - 2))
        let inner = boxWidth - 4
        let sections = KeyMap.help(readOnly: s.readOnly)
        let widest = sections.flatMap(\.keys).map { TextCell.width($0.0) }.max() ?? 0
        let keyW = min(max(8, widest + 2), inner / 3)
        var lines: [[Span]] = []
        for (i, section) in sections.enumerated() {
            if i > 0 { lines.append([]) }
            lines.append([Span(section.title, .dialogTitle)])
            for (k, v) in section.keys {
                // A key wider than its column takes a line of its own.
                let key = TextCell.sanitize(k)
                var first = "  " + TextCell.padRight(key, keyW)
                if TextCell.width(key) >= keyW {
                    lines.append([Span("  " + key, .dialogTitle)])
                    first = String(repeating: " ", count: keyW + 2)
                }
                let text = Fmt.wrap(v, width: inner - keyW - 2)
                for (j, t) in text.enumerated() {
                    lines.append([
                        Span(j == 0 ? first : String(repeating: " ", count: keyW + 2), .dialogTitle), Span(t, .dialog),
                    ])
                }
            }
        }
        self.lines = lines
        // The box: the text, a blank line and the key line inside the borders, within the screen.
        boxHeight = min(lines.count + 4, max(5, s.rows - 2))
        visible = max(1, boxHeight - 4)
    }
}

/// The help overlay: every key of ``KeyMap`` wrapped to the box, scrolled when it does not fit.
func renderHelp(_ s: AppState, _ b: inout CellBuffer) {
    let layout = HelpLayout(s)
    let scroll = max(0, min(s.helpScroll, layout.maxScroll))
    let (top, left, h, w) = drawBox(&b, title: "Help", height: layout.boxHeight, width: layout.boxWidth)
    for (i, line) in layout.lines.dropFirst(scroll).prefix(layout.visible).enumerated() {
        b.put(row: top + i, col: left, spans: line, maxCol: left + w)
    }
    var keys: [Span] = [Span("Esc ? q", .dialogTitle), Span(" close", .dialog)]
    if layout.maxScroll > 0 {
        keys = [Span("↑ ↓ j k PgUp PgDn g G", .dialogTitle), Span(" scroll   ", .dialog)] + keys
        let pos = "lines \(scroll + 1)-\(min(layout.lines.count, scroll + layout.visible))/\(layout.lines.count)"
        let x = left + w - TextCell.width(pos)
        let end = b.put(row: top + h - 1, col: left, spans: keys, maxCol: left + w)
        if end + 2 <= x { b.put(row: top + h - 1, col: x, pos, role: .dialog) }
    } else {
        b.put(row: top + h - 1, col: left, spans: keys, maxCol: left + w)
    }
}
