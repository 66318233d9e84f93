import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12 item 13: one number format per column of the overview (never `2.96M` beside
/// `2,223.87`), and thousands separators on counts.
@Suite struct NumberFormatTests {
    static let snap = Fixtures.snapshot()

    func screen(_ snap: LiveSnapshot, cols: Int = 120) -> (AppState, [String]) {
        let st = Fixtures.state(rows: 40, cols: cols, snapshot: snap)
        return (st, render(st).text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init))
    }

    /// The cells of the table's column whose header ends at the same place as `title`.
    func column(_ lines: [String], _ st: AppState, title: String) -> [String] {
        let header = Array(lines[Layout.tableTop(st) - 1])
        let h = String(header)
        guard let r = h.range(of: title) else { return [] }
        let end = h.distance(from: h.startIndex, to: r.upperBound)
        let start = end - 12
        return lines[Layout.tableTop(st)...].compactMap { line in
            let chars = Array(line)
            guard chars.count >= end, line.contains("ACC-") else { return nil }
            return String(chars[max(0, start)..<end]).trimmingCharacters(in: .whitespaces)
        }
    }

    @Test func aColumnTooNarrowForOneFigureIsCompactForAll() {
        var snap = Self.snap
        let a = snap.priority[3]
        snap.accounts.equity[a] = 29_600_000_000
        let (st, lines) = screen(snap)
        let cells = column(lines, st, title: "EQUITY")
        #expect(cells.count > 10)
        #expect(cells.contains("29.60B"))
        // Every cell compact: a suffix, or under a thousand without separators.
        for c in cells {
            #expect(
                c.range(of: #"^-?(\d+(\.\d+)?[KMBT]|\d{1,3})$"#, options: .regularExpression) != nil, "EQUITY cell \(c)"
            )
        }
        // The other columns, whose figures fit, stay whole.
        #expect(column(lines, st, title: "ADJ.EQ").contains { $0.contains(",") })
    }

    /// The columns' extents are derived with the rows, not on each frame: a paused screen (rows
    /// kept in place) still takes the new snapshot's figures into them.
    @Test func aPausedScreenTakesTheNewFiguresIntoItsFormat() {
        var st = Fixtures.state(rows: 40, cols: 120, snapshot: Self.snap)
        st.paused = true
        var wider = Self.snap
        wider.accounts.equity[wider.priority[3]] = 29_600_000_000
        _ = reduce(&st, .snapshot(wider))
        #expect(st.moneyExtents.equity.largest == 29_600_000_000)
        let lines = render(st).text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(column(lines, st, title: "EQUITY").contains("29.60B"))
    }

    /// A filtered table's extents are its rows' alone; all rows are read straight down the columns.
    @Test func extentsAreThoseOfTheRowsShown() {
        var snap = Self.snap
        let wide = snap.priority[3]
        snap.accounts.equity[wide] = -29_600_000_000
        snap.accounts.initialMargin[wide] = .nan
        let all = MoneyExtents(snap.accounts, rows: snap.priority)
        #expect(all.equity == MoneyExtent(largest: 29_600_000_000, negative: true))
        let rest = snap.priority.filter { $0 != wide }
        let shown = MoneyExtents(snap.accounts, rows: rest)
        #expect(shown.equity.largest == rest.map { abs(snap.accounts.equity[$0]) }.max())
        #expect(shown.initialMargin == all.initialMargin)
        #expect(shown.initialMargin.largest == rest.map { snap.accounts.initialMargin[$0] }.max())
    }

    @Test func figuresThatFitStayWholeInEveryRow() {
        let (st, lines) = screen(Self.snap)
        for c in column(lines, st, title: "EQUITY") {
            #expect(c.range(of: #"^-?\d{1,3}(,\d{3})*$"#, options: .regularExpression) != nil, "EQUITY cell \(c)")
        }
    }

    /// The exposure column is compact throughout: small sizes are `2.22K` or `812`, not `2,223.87`.
    @Test func exposuresAreCompactThroughout() {
        #expect(Fmt.compactUnits(2_223.87) == "2.22K")
        #expect(Fmt.compactUnits(812.4) == "812")
        #expect(Fmt.compactUnits(-45_600) == "-45.6K")
        #expect(Fmt.compactUnits(2_960_000) == "2.96M")
        var snap = Self.snap
        let a = snap.priority[0]
        snap.accounts.largestExposure[a] = ("BTC", 2_223.87)
        let (_, lines) = screen(snap)
        #expect(lines.contains { $0.contains("BTC 2.22K") })
        #expect(!lines.contains { $0.contains("2,223.87") })
    }

    @Test func countsHaveThousandsSeparators() {
        var snap = Self.snap
        snap.counts[.safe] = 55_236
        let (_, lines) = screen(snap)
        #expect(lines[1].hasPrefix(" safe 55,236  warning 2"), "\(lines[1])")
        #expect(Fmt.count(1_234_567) == "1,234,567")
    }
}
