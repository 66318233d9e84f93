import Foundation
import StoreTestSupport
import Testing
import ThreadTestSupport

/// Issue 12 item 11 on the real binary: a websocket feed at a closed port never delivers a price.
/// The dashboard must say so: the badge `DOWN` (never `LIVE`), a banner with what, since when and
/// the reason, no tick age and no latency made up from the book's stored prices, and the counts
/// line saying what the figures rest on.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct DeadFeedEndToEndTests {
    @Test(.enabled(if: E2E.tmuxAvailable))
    func deadWebsocketFeedIsSaidOnScreen() async throws {
        try await offThread { try Self.deadWebsocketFeedIsSaidOnScreenBlocking() }
    }

    static func deadWebsocketFeedIsSaidOnScreenBlocking() throws {
        let e2e = try E2E()
        // Bound by the kernel's choice, then closed: nothing listens there.
        let port = TestPostgres.freePort()
        try #require(port > 0)
        let t = TmuxSession()
        defer { t.kill() }
        try t.start(
            command: e2e.dashboard(["--operator", "e2e", "--feed", "binance:ws://127.0.0.1:\(port)/ws"]),
            cols: 200, rows: 40)
        // Once the first connection is refused: the banner names it, with since when.
        let screen = try t.waitFor("the dead-feed banner") { $0.contains("FEED DOWN since") && $0.contains("ACC-") }
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let header = lines[0]
        #expect(header.contains("│ DOWN │"), "header: \(header)")
        #expect(!header.contains("LIVE"), "header: \(header)")
        #expect(header.contains("oldest no tick yet"), "header: \(header)")
        #expect(header.contains("│ p99 - │"), "header: \(header)")
        let banner = lines[1]
        #expect(
            banner.range(of: #"FEED DOWN since \d\d:\d\d:\d\dZ \([0-9.ms]+\): "#, options: .regularExpression) != nil)
        #expect(banner.lowercased().contains("refused"), "banner: \(banner)")
        #expect(banner.contains("no price received yet"), "banner: \(banner)")
        #expect(lines[2].hasPrefix(" figures on the book's stored prices: safe "), "counts: \(lines[2])")
        // The table's ages: never ticked, not the seconds since the start.
        let rows = lines.filter { $0.contains("ACC-") }
        #expect(rows.contains { $0.contains("never") }, "rows:\n\(rows.joined(separator: "\n"))")

        // It stays honest while the feed keeps failing (the reconnects are rounded, the badge stays).
        let later = try t.waitFor("a later reconnect") { $0.contains("reconnecting (attempt 3") }
        let laterHeader = later.split(separator: "\n").first.map(String.init) ?? ""
        #expect(laterHeader.contains("│ DOWN │") && !laterHeader.contains("LIVE"))
        #expect(
            later.range(of: #"attempt \d+ in \d+(\.\d)?s\)"#, options: .regularExpression) != nil,
            "rounded delay:\n\(later)")
        try t.keys("q")
        try t.waitForExit(status: 0)
    }
}
