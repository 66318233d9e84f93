import MarginTUI
import MarginTUITestSupport
import Testing

/// The mouse in reduce (issue 12, item 17): a click selects a row, a double click drills in, a click on
/// a column header sorts, the wheel scrolls; dialogs and prompts ignore it.
@Suite struct MouseReduceTests {
    static let snap = Fixtures.snapshot()

    func state() -> AppState { Fixtures.state(rows: 40, cols: 120, snapshot: Self.snap) }

    @Test func clickSelectsARowAndDoubleClickDrillsIn() {
        var s = state()
        let top = Layout.tableTop(s)
        _ = drive(&s, .mouse(MouseEvent(.click, row: top + 4, col: 5)))
        #expect(s.cursor == 4 && s.screen == .overview)
        // Below the last row, or on the strip: nothing.
        _ = drive(&s, .mouse(MouseEvent(.click, row: 1, col: 5)))
        #expect(s.cursor == 4)
        let effects = drive(&s, .mouse(MouseEvent(.doubleClick, row: top + 2, col: 30)))
        #expect(s.screen == .drill)
        #expect(s.drill?.accountId == Self.snap.accounts.ids[s.tableRows[2]])
        #expect(!effects.isEmpty, "the drill-down's figures are asked for")
    }

    @Test func headerClickSortsAsTheColumnKey() {
        var s = state()
        let header = Layout.tableTop(s) - 1
        let line = render(s).text.split(separator: "\n", omittingEmptySubsequences: false)[header]
        let col = line.distance(from: line.startIndex, to: line.range(of: "EQUITY")!.lowerBound)
        _ = drive(&s, .mouse(MouseEvent(.click, row: header, col: col + 2)))
        #expect(s.sort == .equity && !s.sortReversed)
        _ = drive(&s, .mouse(MouseEvent(.click, row: header, col: col + 2)))
        #expect(s.sort == .equity && s.sortReversed)
        // The mark column sorts nothing.
        _ = drive(&s, .mouse(MouseEvent(.click, row: header, col: 0)))
        #expect(s.sort == .equity)
    }

    @Test func wheelScrollsTableAndDrillDown() {
        var s = state()
        _ = drive(&s, .mouse(MouseEvent(.wheelDown, row: 20, col: 5)))
        #expect(s.cursor == 3)
        _ = drive(&s, .mouse(MouseEvent(.wheelUp, row: 20, col: 5)))
        #expect(s.cursor == 0)
        _ = drive(&s, .key(.enter))
        _ = drive(&s, .mouse(MouseEvent(.wheelDown, row: 20, col: 5)))
        #expect(s.drill?.scroll ?? 0 > 0)
    }

    @Test func dialogsAndPromptsIgnoreTheMouse() {
        var s = state()
        _ = drive(&s, .key(.char("/")))
        let top = Layout.tableTop(s)
        _ = drive(&s, .mouse(MouseEvent(.click, row: top + 3, col: 5)))
        _ = drive(&s, .mouse(MouseEvent(.wheelDown, row: top + 3, col: 5)))
        #expect(s.cursor == 0 && s.filterEdit != nil)
        var d = state()
        _ = drive(&d, .key(.char("L")))
        _ = drive(&d, .mouse(MouseEvent(.doubleClick, row: top + 3, col: 5)))
        #expect(d.dialog != nil && d.screen == .overview)
    }
}
