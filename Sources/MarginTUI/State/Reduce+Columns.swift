/// Keys of the column chooser (see ``ColumnChooser``).
func columnChooserKey(_ s: inout AppState, _ key: Key) {
    guard var c = s.columnChooser else { return }
    let n = c.items.count
    c.error = nil
    switch key {
    case .escape:
        s.columnChooser = nil
        return
    case .enter:
        guard !c.shown.isEmpty else {
            c.error = "show at least one column"
            s.columnChooser = c
            return
        }
        s.columns = c.shown
        s.columnChooser = nil
        // A sort on a column now hidden stays: the priority order and the keys still reach every sort.
        clampCursor(&s)
        return
    case .down, .char("j"): c.cursor = min(n - 1, c.cursor + 1)
    case .up, .char("k"): c.cursor = max(0, c.cursor - 1)
    case .home, .char("g"): c.cursor = 0
    case .end, .char("G"): c.cursor = n - 1
    case .char(" "): c.items[c.cursor].shown.toggle()
    case .char("J") where c.cursor + 1 < n:
        c.items.swapAt(c.cursor, c.cursor + 1)
        c.cursor += 1
    case .char("K") where c.cursor > 0:
        c.items.swapAt(c.cursor, c.cursor - 1)
        c.cursor -= 1
    case .char("0"): c = ColumnChooser(shown: OverviewColumn.defaults)
    default: break
    }
    s.columnChooser = c
}
