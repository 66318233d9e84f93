/// The mouse (issue 12, item 17), in terms of the keys it stands for: the wheel moves as three `↑`/`↓`
/// on whatever is showing (the table, the drill-down, the queue, the help, the column chooser); on the
/// overview a click on a row selects it, a double click drills into it, and a click on a column header
/// sorts by that column as its key does (again: reversed). Dialogs and the filter prompt ignore it.
func handleMouse(_ s: inout AppState, _ e: MouseEvent) -> [Effect] {
    guard s.dialog == nil, s.filterEdit == nil, !s.isTooSmall else { return [] }
    switch e.kind {
    case .wheelUp, .wheelDown:
        let key: Key = e.kind == .wheelUp ? .up : .down
        var effects: [Effect] = []
        for _ in 0..<3 { effects += handleKey(&s, key) }
        return effects
    case .click, .doubleClick:
        guard !s.showHelp, s.columnChooser == nil, s.screen == .overview, s.snapshot != nil else { return [] }
        let top = Layout.tableTop(s)
        if e.row == top - 1 {
            let columns = OverviewLayout.fit(cols: s.cols, columns: s.columns)
            guard let (column, _) = columns.first(where: { e.col >= $0.1 && e.col < $0.1 + $0.0.width }),
                let sort = column.sort
            else { return [] }
            return handleKey(&s, .char(sort.key))
        }
        let i = s.top + e.row - top
        guard e.row >= top, e.row < top + Layout.tableHeight(s), s.tableRows.indices.contains(i) else { return [] }
        s.cursor = i
        clampCursor(&s)
        return e.kind == .doubleClick ? handleKey(&s, .enter) : []
    }
}
