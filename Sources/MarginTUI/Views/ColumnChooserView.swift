/// The column chooser over the overview: `[x]` shown, `[ ]` hidden, in table order; the line under the
/// cursor in the selected role.
func renderColumnChooser(_ s: AppState, _ b: inout CellBuffer) {
    guard let c = s.columnChooser else { return }
    let hints = [
        "↑↓ choose  Space show/hide  K J move up/down",
        "0 defaults  Enter apply  Esc cancel",
    ]
    let (top, left, h, w) = drawBox(&b, title: "Columns", height: c.items.count + hints.count + 3, width: 50)
    for (i, item) in c.items.enumerated() where i < h - hints.count - 1 {
        let line = (item.shown ? "[x] " : "[ ] ") + item.column.label
        let selected = i == c.cursor
        if selected { b.fill(row: top + i, col: left, height: 1, width: w, role: .selected) }
        b.put(row: top + i, col: left, (selected ? "> " : "  ") + line, role: selected ? .selected : .dialog, width: w)
    }
    let hintTop = top + h - hints.count
    if let e = c.error { b.put(row: hintTop - 1, col: left, e, role: .error, width: w) }
    for (i, hint) in hints.enumerated() { b.put(row: hintTop + i, col: left, hint, role: .dialogTitle, width: w) }
}
