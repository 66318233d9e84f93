import Foundation
import Testing
import ThreadTestSupport

/// Issue 12 item 15 on the real binary: `z` pauses the rows as htop's freeze does. On the
/// simulated feed the figures keep moving while the order of the accounts on screen stays; the
/// header says PAUSED; `z` again resumes.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct PauseEndToEndTests {
    @Test(.enabled(if: E2E.tmuxAvailable))
    func zHoldsTheRowsWhileTheFiguresMove() async throws {
        try await offThread { try Self.zHoldsTheRowsWhileTheFiguresMoveBlocking() }
    }

    /// The account rows on a screen: (id, the line without its ages, so that a change in it is a
    /// change of the figures, not of the clock).
    static func rows(_ screen: String) -> [(id: String, line: String)] {
        screen.split(separator: "\n").compactMap { line in
            guard let r = line.range(of: #"ACC-\d+"#, options: .regularExpression) else { return nil }
            let figures = line.replacingOccurrences(
                of: #" \d+(\.\d)?s "#, with: " ", options: .regularExpression)
            return (String(line[r]), figures)
        }
    }

    static func zHoldsTheRowsWhileTheFiguresMoveBlocking() throws {
        let e2e = try E2E()
        let t = TmuxSession()
        defer { t.kill() }
        try t.start(command: e2e.dashboard(["--operator", "e2e"]), cols: 160, rows: 48)
        try t.waitFor("the live overview") { $0.contains(" LIVE │") && $0.contains("ID (prio)") && $0.contains("ACC-") }
        try t.keys("z")
        let paused = try t.waitFor("the paused header") {
            ($0.split(separator: "\n").first ?? "").contains("│ PAUSED │")
        }
        let order = rows(paused).map(\.id)
        try #require(order.count > 10)
        // Until some figure on screen has changed: every screen meanwhile shows the same order.
        var orders: [[String]] = []
        let moved = try t.waitFor("a figure to change while paused", timeout: 40) { screen in
            let r = rows(screen)
            orders.append(r.map(\.id))
            return r.map(\.id) == order && r.map(\.line) != rows(paused).map(\.line)
        }
        #expect(orders.allSatisfy { $0 == order }, "the rows moved while paused")
        #expect(rows(moved).map(\.id) == order)
        #expect((moved.split(separator: "\n").first ?? "").contains("│ PAUSED │"))

        try t.keys("z")
        try t.waitFor("the header without PAUSED") {
            let header = $0.split(separator: "\n").first ?? ""
            return !header.contains("PAUSED") && header.contains(" LIVE │")
        }
        try t.keys("q")
        try t.waitForExit(status: 0)
    }
}
