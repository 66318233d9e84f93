import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import TerminalCore
import Testing

/// A dialog or the help over the overview leaves no stray character of the screen below against
/// its sides (at 80x24 the help showed the cursor's `>` left of its border and the last letter of
/// `safe` right of it).
@Suite struct DialogMarginTests {
    @Test(arguments: [(80, 24), (120, 40)])
    func nothingOfTheOverviewTouchesABoxsSides(cols: Int, rows: Int) {
        let snap = Fixtures.snapshot()
        for keys in [[Key.char("?")], [.char("L")], [.char("R")]] {
            var s = Fixtures.state(rows: rows, cols: cols, snapshot: snap)
            for k in keys { _ = drive(&s, .key(k)) }
            let lines = render(s).text.split(separator: "\n", omittingEmptySubsequences: false).map(Array.init)
            for line in lines {
                guard let left = line.firstIndex(where: { "┌│└".contains($0) }),
                    let right = line.lastIndex(where: { "┐│┘".contains($0) }), left < right
                else { continue }
                if left > 0 { #expect(line[left - 1] == " ", "left of the box: \(String(line))") }
                if right + 1 < line.count { #expect(line[right + 1] == " ", "right of the box: \(String(line))") }
            }
        }
    }

    /// A box on a screen too small for its frame draws nothing and has an empty inside, rather
    /// than trapping on an empty range; one that fits keeps its size.
    @Test(arguments: [(1, 40), (2, 40), (3, 40), (24, 3), (0, 0)])
    func aBoxOnAScreenTooSmallDrawsNothing(rows: Int, cols: Int) {
        var b = CellBuffer(rows: rows, cols: cols)
        let inside = drawBox(&b, title: "review", height: 10, width: 30)
        #expect(inside.2 == 0 && inside.3 == 0)
        var big = CellBuffer(rows: 24, cols: 80)
        #expect(drawBox(&big, title: "review", height: 10, width: 30).2 == 8)
    }
}
