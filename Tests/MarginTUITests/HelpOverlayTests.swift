import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12, item 3: the help overlay wraps its text at every width (it cut `(again: revers…` at 160
/// columns and `sort: priority id n…` at 80x24) and scrolls when it does not fit.
@Suite struct HelpOverlayTests {
    static let snap = Fixtures.snapshot()
    static let sizes: [(cols: Int, rows: Int)] = [(80, 24), (120, 40), (160, 48), (200, 60), (100, 30)]

    /// The text inside the help box on screen, one string per row (the cells between its side borders).
    static func boxText(_ s: AppState) -> [String] {
        let b = render(s)
        func cells(_ r: Int, _ cols: Range<Int>) -> String {
            cols.filter { !b[r, $0].isContinuation }.map { b[r, $0].text }.joined()
        }
        guard let top = (0..<b.rows).first(where: { b.line($0).contains("┌─ Help ") }),
            let left = (0..<b.cols).first(where: { b[top, $0].text == "┌" }),
            let right = (0..<b.cols).last(where: { b[top, $0].text == "┐" })
        else { return [] }
        var out: [String] = []
        for r in (top + 1)..<b.rows {
            guard b[r, left].text == "│" else { break }
            out.append(cells(r, (left + 1)..<right))
        }
        return out
    }

    @Test(arguments: sizes.indices)
    func everyWordOfTheHelpShowsUncut(sizeIndex: Int) {
        let (cols, rows) = Self.sizes[sizeIndex]
        for readOnly in [false, true] {
            var s = Fixtures.state(rows: rows, cols: cols, readOnly: readOnly, snapshot: Self.snap)
            _ = drive(&s, .key(.char("?")))
            #expect(s.showHelp)
            // Page through the help to its end, collecting what shows.
            var seen = Self.boxText(s).joined(separator: "\n")
            for _ in 0..<200 {
                _ = drive(&s, .key(.char("j")))
                seen += "\n" + Self.boxText(s).joined(separator: "\n")
            }
            // No `…` but the help's own (the DIST column's "not analysed yet" mark).
            var cut = seen
            for (k, v) in KeyMap.help(readOnly: readOnly).flatMap(\.keys) {
                for own in [k, v] + v.split(separator: " ").map(String.init) where own.contains("…") {
                    cut = cut.replacingOccurrences(of: own, with: "")
                }
            }
            #expect(!cut.contains("…"), "the help cuts its text at \(cols)x\(rows)")
            let words = Set(seen.split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init))
            for section in KeyMap.help(readOnly: readOnly) {
                #expect(words.contains(section.title.split(separator: " ").first.map(String.init) ?? ""))
                for (k, v) in section.keys {
                    for w in (k + " " + v).split(separator: " ") {
                        #expect(words.contains(String(w)), "'\(w)' of '\(v)' not on the help at \(cols)x\(rows)")
                    }
                }
            }
            #expect(s.showHelp, "j scrolls the help, it does not close it")
        }
    }

    @Test func scrollsAtEightyByTwentyFourAndClosesWithEscQuestionMarkOrQ() throws {
        var s = Fixtures.state(rows: 24, cols: 80, snapshot: Self.snap)
        _ = drive(&s, .key(.char("?")))
        let first = Self.boxText(s)
        #expect(first.joined().contains("lines 1-"))
        _ = drive(&s, .key(.char("G")))
        let last = Self.boxText(s).joined(separator: "\n")
        let pos = try #require(last.range(of: #"lines \d+-\d+/\d+"#, options: .regularExpression))
        let nums = last[pos].dropFirst(6).split(whereSeparator: { $0 == "-" || $0 == "/" }).compactMap { Int($0) }
        #expect(nums.count == 3 && nums[1] == nums[2] && nums[0] > 1)
        #expect(last.contains("q") && last.contains("quit"))
        _ = drive(&s, .key(.char("k")))
        #expect(s.helpScroll == nums[0] - 2)
        _ = drive(&s, .key(.pageUp))
        _ = drive(&s, .key(.char("g")))
        #expect(s.helpScroll == 0)
        _ = drive(&s, .key(.pageDown))
        #expect(s.helpScroll > 0)
        // Other keys do nothing behind the help (no sort, no drill).
        _ = drive(&s, .key(.char("e")))
        _ = drive(&s, .key(.enter))
        #expect(s.showHelp && s.sort == .priority && s.screen == .overview)
        for close: Key in [.escape, .char("?"), .char("q")] {
            var t = s
            let effects = drive(&t, .key(close))
            #expect(!t.showHelp && !t.quit && effects.isEmpty, "\(close) closes the help")
            _ = drive(&t, .key(.char("?")))
            #expect(t.helpScroll == 0, "the help opens at its top")
        }
    }
}
