import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12 item 14: the sorted column's header carries an arrow with one meaning for every
/// column (`↓` largest first, `↑` smallest first), and `<` / `>` move the sort column as in htop.
@Suite struct SortIndicatorTests {
    static let snap = Fixtures.snapshot()

    func tableHeader(_ st: AppState) -> String {
        let lines = render(st).text.split(separator: "\n", omittingEmptySubsequences: false)
        return String(lines[Layout.tableTop(st) - 1])
    }

    /// The arrow says which way the values run, checked against the rows themselves.
    @Test func arrowMeansTheSameForEveryColumn() {
        let t = Self.snap.accounts
        let cases: [(Character, String, (Int) -> Double)] = [
            ("e", "EQUITY", { t.equity[$0] }), ("a", "ADJ.EQ", { t.adjustedEquity[$0] }),
            ("M", "MM", { t.maintenanceMargin[$0] }), ("d", "DIST", { abs(t.distance[$0]) }),
        ]
        for (key, title, value) in cases {
            for reversed in [false, true] {
                var st = Fixtures.state(rows: 40, cols: 120, snapshot: Self.snap)
                _ = drive(&st, .key(.char(key)))
                if reversed { _ = drive(&st, .key(.char(key))) }
                let header = tableHeader(st)
                let values = st.tableRows.map(value).filter(\.isFinite)
                let descending = zip(values, values.dropFirst()).allSatisfy { $0 >= $1 }
                let ascending = zip(values, values.dropFirst()).allSatisfy { $0 <= $1 }
                if header.contains(title + "↓") {
                    #expect(descending, "\(title)↓ must be largest first")
                } else {
                    #expect(header.contains(title + "↑"), "\(header)")
                    #expect(ascending, "\(title)↑ must be smallest first")
                }
            }
        }
        // Text columns: `↑` is A to Z.
        var st = Fixtures.state(rows: 40, cols: 120, snapshot: Self.snap)
        _ = drive(&st, .key(.char("i")))
        #expect(tableHeader(st).contains("ID↑"))
        let ids = st.tableRows.map { t.ids[$0] }
        #expect(ids == ids.sorted())
        _ = drive(&st, .key(.char("i")))
        #expect(tableHeader(st).contains("ID↓"))
    }

    /// `>` steps right through the columns on screen, `<` left, wrapping round through the priority order.
    @Test func angleBracketsMoveTheSortColumn() {
        var st = Fixtures.state(rows: 40, cols: 120, snapshot: Self.snap)
        var seen: [SortKey] = []
        for _ in 0..<11 {
            _ = drive(&st, .key(.char(">")))
            seen.append(st.sort)
        }
        #expect(
            seen == [
                .id, .name, .equity, .adjustedEquity, .maintenanceMargin, .ratio, .distance, .exposure, .age, .state,
                .priority,
            ])
        _ = drive(&st, .key(.char("<")))
        #expect(st.sort == .state && !st.sortReversed)
        #expect(tableHeader(st).contains("STATE↓"))
        let states = st.tableRows.map { Self.snap.accounts.state[$0] }
        #expect(states == states.sorted(by: >))
    }
}
