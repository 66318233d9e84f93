import Foundation
import MarginCore
import MarginTUI
import MarginTUITestSupport
import Testing

@Suite struct SafetyTests {
    static let snap = Fixtures.snapshot()

    /// No cell of any screen carries a control character.
    func assertClean(_ b: CellBuffer) {
        for c in b.cells {
            #expect(
                !c.text.unicodeScalars.contains {
                    $0.value < 0x20 || $0.value == 0x7F || (0x80...0x9F).contains($0.value)
                })
        }
    }

    @Test(arguments: [(120, 40), (80, 24), (200, 60)])
    func hostileAndCJKNamesKeepColumnsAligned(size: (Int, Int)) throws {
        var s = Fixtures.state(rows: size.1, cols: size.0, snapshot: Self.snap)
        // Bring both special accounts to the top.
        _ = drive(&s, .key(.char("i")))
        _ = drive(&s, .key(.char("g")))
        let b = render(s)
        assertClean(b)
        let header = (0..<b.rows).first { b.line($0).contains("STATE") }
        let h = try #require(header)
        // Column x of the STATE header in cells (not characters).
        var stateX = -1
        for c in 0..<(b.cols - 4) where b[h, c].text == "S" && b[h, c + 1].text == "T" && b[h, c + 2].text == "A" {
            stateX = c
            break
        }
        #expect(stateX > 0)
        let names = Set(AccountState.allCases.map(\.name))
        for r in (h + 1)..<(b.rows - 1) where !b.line(r).trimmingCharacters(in: .whitespaces).isEmpty {
            var word = ""
            var c = stateX
            while c < b.cols, b[r, c].text != " " {
                word += b[r, c].text
                c += 1
            }
            word = word.replacingOccurrences(of: "~", with: "")
            #expect(names.contains(word), "row \(r): '\(word)' at the STATE column in: \(b.line(r))")
        }
        // The hostile name is shown sanitised, the CJK name truncated with an ellipsis at display width.
        let all = b.text
        #expect(all.contains("?]0;pwned?"))
        #expect(!all.contains("\u{1b}"))
        let cjkRow = try #require((0..<b.rows).first { b.line($0).contains("東京") })
        #expect(b.line(cjkRow).contains("…"))
        // Every row's display width is exactly the screen width.
        for r in 0..<b.rows { #expect(TextCell.width(b.line(r)) == b.cols, "row \(r) width") }
    }

    /// An emoji ZWJ sequence (one grapheme of three emoji) over older text: every cell it covers is
    /// rewritten, each cell holds one spacing character, and what follows lands where its width says.
    @Test func zwjSequencesKeepTheRowIntact() {
        var b = CellBuffer(rows: 1, cols: 20)
        b.put(row: 0, col: 0, "99999999999999999999", role: .text)
        let name = "A\u{1F468}\u{200D}\u{1F469}\u{200D}\u{1F467}B"
        let used = b.put(row: 0, col: 0, name, role: .text)
        #expect(used == TextCell.width(TextCell.sanitize(name)))
        #expect(used == 8)
        #expect(b[0, 7].text == "B")
        #expect(!(1..<7).contains { b[0, $0].text == "9" }, "\(b.line(0))")
        for c in 0..<b.cols {
            let spacing = b[0, c].text.unicodeScalars.filter { TextCell.width($0) > 0 }
            #expect(spacing.count <= 1, "cell \(c): \(b[0, c].text.unicodeScalars.map { String($0.value, radix: 16) })")
            #expect(!b[0, c].text.unicodeScalars.contains { $0.value == 0x200D }, "cell \(c) keeps a joiner")
        }
        #expect(TextCell.width(b.line(0)) == b.cols)
        // Padded to a column, the number after it stays whole.
        var row = CellBuffer(rows: 1, cols: 24)
        row.putPadded(row: 0, col: 0, "\u{1F468}\u{200D}\u{1F469} Fund", width: 12, role: .text)
        row.putPadded(row: 0, col: 12, "103,069", width: 12, role: .text, alignRight: true)
        #expect(row.line(0).hasSuffix("     103,069"), "\(row.line(0))")
    }

    @Test func everyScreenIsCleanWithHostileStrings() {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = drive(&s, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        assertClean(render(s))
        _ = drive(&s, .key(.char("R")))
        _ = drive(&s, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        assertClean(render(s))
        _ = drive(&s, .key(.escape))
        _ = drive(&s, .key(.char("/")))
        _ = drive(&s, .key(.char("\u{1b}")))
        assertClean(render(s))
    }

    @Test(arguments: [(120, 40), (80, 24), (200, 60)])
    func overlaysNeverSplitWideCharacters(size: (Int, Int)) {
        var s = Fixtures.state(rows: size.1, cols: size.0, snapshot: Self.snap)
        _ = drive(&s, .key(.char("i")))
        _ = drive(&s, .key(.char("g")))
        for overlay: Key in [.char("?"), .char("L")] {
            var o = s
            _ = drive(&o, .key(overlay))
            let b = render(o)
            for r in 0..<b.rows { #expect(TextCell.width(b.line(r)) == b.cols, "\(overlay) row \(r): \(b.line(r))") }
        }
    }

    @Test func overwritingHalfAWideCharacterBlanksTheOtherHalf() {
        var b = CellBuffer(rows: 1, cols: 6)
        b.put(row: 0, col: 0, "東京ab", role: .text)
        b.put(row: 0, col: 1, "|", role: .border)
        #expect(b.line(0) == " |京ab")
        b.put(row: 0, col: 3, "x", role: .text)
        #expect(b.line(0) == " | xab")
        b.put(row: 0, col: 4, "東", role: .text)
        #expect(b.line(0) == " | x東")
        #expect(TextCell.width(b.line(0)) == 6)
    }

    @Test func cellBufferMeasuresWideCharacters() {
        var b = CellBuffer(rows: 1, cols: 10)
        let n = b.put(row: 0, col: 0, "東京ab", role: .text)
        #expect(n == 6)
        #expect(b[0, 1].isContinuation && b[0, 3].isContinuation)
        #expect(b[0, 4].text == "a")
        var c = CellBuffer(rows: 1, cols: 5)
        c.put(row: 0, col: 0, "東京東京", role: .text)
        #expect(c.line(0) == "東京…")
        #expect(TextCell.width(c.line(0)) == 5)
    }
}

@Suite struct FormatTests {
    /// Numbers too wide for their column fall back to the compact form, so columns never run together.
    @Test func wideNumbersFitTheirColumns() {
        #expect(Fmt.fit(-24.341, decimals: 3, width: 10) == "-24.341")
        #expect(Fmt.fit(-30617.3, decimals: 3, width: 10) == "-30.6K")
        #expect(Fmt.fit(-30617.3, decimals: 3, width: 10).count < 10)
        #expect(Fmt.fit(0.000012, decimals: 5, width: 10) == "0.00001")
        #expect(Fmt.sampledRatio(10) == "inf" && Fmt.sampledRatio(0.5) == "50.0%")
    }
}
