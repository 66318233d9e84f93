import Foundation
import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12, item 13: the drill-down's stress grid has one number format (a row read
/// `-27.0K -1,365.57 0.00`): compact units throughout, whole below a thousand.
@Suite struct StressGridFormatTests {
    @Test func everyStressCellIsInCompactUnits() throws {
        let snap = Fixtures.snapshot()
        let pattern = try Regex(#"^-?(\d{1,3}|\d{1,3}\.\d{1,2}[KMBT])$"#)
        var cells = 0
        for a in 0..<snap.accounts.count {
            var s = Fixtures.state(rows: 120, cols: 160, snapshot: snap)
            let pos = s.tableRows.firstIndex(of: a) ?? 0
            for _ in 0..<pos { _ = drive(&s, .key(.char("j"))) }
            _ = drive(&s, .key(.enter))
            let lines = render(s).text.split(separator: "\n").map(String.init)
            let start = try #require(lines.firstIndex { $0.contains("STRESS: equity P&L") })
            // The header row of moves, then one row per vol factor.
            for line in lines[(start + 2)...].prefix(DrillData.stressVols.count) {
                let words = line.split(separator: " ").map(String.init)
                for cell in words.suffix(DrillData.stressMoves.count) {
                    #expect(cell.wholeMatch(of: pattern) != nil, "stress cell '\(cell)' in: \(line)")
                    cells += 1
                }
            }
        }
        #expect(cells >= snap.accounts.count * DrillData.stressMoves.count)
    }
}
