import MarginTUI
import MarginTUITestSupport
import Testing

/// The column chooser (issue 12, item 16): `c` opens it, Space hides a column, `K`/`J` move one, Enter
/// applies, Esc leaves the table as it was.
@Suite struct ColumnChooserTests {
    static let snap = Fixtures.snapshot()

    func header(_ s: AppState) -> String {
        let lines = render(s).text.split(separator: "\n", omittingEmptySubsequences: false)
        return String(lines.first { $0.contains("NAME") && $0.contains("STATE") } ?? "")
    }

    @Test func hideMoveAndApply() {
        var s = Fixtures.state(rows: 40, cols: 120, snapshot: Self.snap)
        _ = drive(&s, .key(.char("c")))
        #expect(s.columnChooser?.items.count == OverviewColumn.allCases.count)
        #expect(render(s).text.contains("[x] EQUITY"))
        // Hide NAME (line 2), then move STATE (the last line) to the top.
        for k: Key in [.down, .char(" "), .char("G")] { _ = drive(&s, .key(k)) }
        for _ in OverviewColumn.allCases { _ = drive(&s, .key(.char("K"))) }
        #expect(render(s).text.contains("[ ] NAME"))
        _ = drive(&s, .key(.enter))
        #expect(s.columnChooser == nil)
        #expect(s.columns.first == .state && !s.columns.contains(.name) && s.columns.count == 12)
        let h = header(s)
        #expect(!h.contains("NAME") || h.contains("STATE"))
        let line = render(s).text.split(separator: "\n").first { $0.contains("ID (prio)") || $0.contains("ID") } ?? ""
        #expect(!line.contains("NAME"))
        #expect(
            line.firstRange(of: "STATE").map {
                $0.lowerBound < (line.firstRange(of: "ID")?.lowerBound ?? $0.lowerBound)
            } == true)
    }

    @Test func escapeCancelsAndNothingShownIsRefused() {
        var s = Fixtures.state(rows: 40, cols: 120, snapshot: Self.snap)
        _ = drive(&s, .key(.char("c")))
        _ = drive(&s, .key(.char(" ")))
        _ = drive(&s, .key(.escape))
        #expect(s.columns == OverviewColumn.defaults)

        _ = drive(&s, .key(.char("c")))
        for _ in OverviewColumn.allCases {
            _ = drive(&s, .key(.char(" ")))
            _ = drive(&s, .key(.down))
        }
        _ = drive(&s, .key(.enter))
        #expect(s.columnChooser?.error == "show at least one column")
        #expect(s.columns == OverviewColumn.defaults)
        _ = drive(&s, .key(.char("0")))
        #expect(s.columnChooser?.shown == OverviewColumn.defaults)
    }

    @Test func columnNamesParse() throws {
        #expect(try OverviewColumn.parse(list: "id, dist,STATE").get() == [.id, .distance, .state])
        #expect(OverviewColumn.parse(list: "id,id") == .failure(.repeated("id")))
        #expect(OverviewColumn.parse(list: "id,,name") == .failure(.unknown("")))
        #expect(SortKey.parse("-distance")! == (.distance, true))
        #expect(SortKey.parse("nope") == nil)
    }
}
