import Foundation
import StoreTestSupport
import Testing
import ThreadTestSupport

/// Issue 12, item 1 on the real binary at 80x24: in the drill-down, `G` shows the document's last
/// screen (`lines a-n/n`) and `k`, Up and PgUp each move back from it at once (they did nothing:
/// the scroll had run past the end and only `g` recovered).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DrillScrollEndToEndTests {
    @Test(.enabled(if: E2E.tmuxAvailable))
    func gThenBackAt80x24() async throws {
        try await offThread { try Self.gThenBackBlocking() }
    }

    /// The `lines a-b/n` position on the drill-down's account line.
    static func position(_ screen: String) -> (first: Int, last: Int, count: Int)? {
        guard let r = screen.range(of: #"lines \d+-\d+/\d+"#, options: .regularExpression) else { return nil }
        let nums = screen[r].dropFirst(6).split(whereSeparator: { $0 == "-" || $0 == "/" }).compactMap { Int($0) }
        return nums.count == 3 ? (nums[0], nums[1], nums[2]) : nil
    }

    static func gThenBackBlocking() throws {
        let e2e = try E2E()
        let t = TmuxSession()
        defer { t.kill() }
        try t.start(command: e2e.dashboard(["--operator", "e2e"]), cols: 80, rows: 24)
        try t.waitFor("the overview") { $0.contains("ID (prio)") && $0.contains("ACC-") }

        try t.keys("Enter")
        let top = try t.waitFor("the drill-down at its top") { position($0)?.first == 1 && $0.contains("COLLATERAL") }
        let p0 = try #require(position(top))
        // 24 rows: the title, the account line and the footer leave 21 document lines.
        let h = p0.last
        #expect(h == 21, "screen:\n\(top)")
        #expect(p0.count > h)

        try t.keys("G")
        let bottom = try t.waitFor("the last screen after G") { s in
            position(s).map { $0.last == $0.count && $0.first > 1 } == true
        }
        let p1 = try #require(position(bottom))
        #expect(p1.first == p1.count - h + 1, "screen:\n\(bottom)")

        try t.keys("k")
        try t.waitFor("one line back after k") { position($0)?.first == p1.first - 1 }
        try t.keys("Up")
        try t.waitFor("one more line back after Up") { position($0)?.first == p1.first - 2 }
        try t.keys("PPage")
        try t.waitFor("a page back after PgUp") { s in position(s).map { $0.first < p1.first - 2 } == true }
        try t.keys("G")
        try t.waitFor("the last screen again") { s in position(s).map { $0.last == $0.count } == true }
        try t.keys("q")
        try t.waitForExit(status: 0)
    }
}
