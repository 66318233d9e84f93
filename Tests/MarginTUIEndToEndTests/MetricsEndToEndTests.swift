import Foundation
import StoreTestSupport
import Testing
import ThreadTestSupport

/// Issue 13, item 4 on the dashboard: `margintop --metrics 127.0.0.1:0` serves Prometheus text on
/// `/metrics` while the screen runs (the port it picked is in the log), figures from its own loop.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct MetricsEndToEndTests {
    @Test(.enabled(if: E2E.tmuxAvailable))
    func dashboardServesMetricsWhileItRuns() async throws {
        try await offThread { try Self.dashboardServesMetricsBlocking() }
    }

    static func dashboardServesMetricsBlocking() throws {
        let e2e = try E2E()
        let t = TmuxSession()
        defer { t.kill() }
        try t.start(command: e2e.dashboard(["--operator", "e2e", "--metrics", "127.0.0.1:0"]), cols: 160, rows: 48)
        let screen = try t.waitFor("the overview, feed live") {
            $0.contains("ID (prio)") && $0.contains("ACC-") && $0.contains("store connected") && $0.contains("feed sim")
        }
        // The port the system picked, from the log.
        let log = try String(contentsOfFile: e2e.home + "/state/margintop/margintop.log", encoding: .utf8)
        let found = try #require(log.firstMatch(of: /metrics on http:\/\/127\.0\.0\.1:([0-9]+)\/metrics/), "\(log)")
        let port = try #require(Int(found.1))
        // Ticks flow, the screen's snapshots reach the figures (taken at most once a second).
        var scraped = ""
        var m: [String: Double] = [:]
        let deadline = Date().addingTimeInterval(30)
        repeat {
            let r = try HTTPRequest.send(port: port)
            #expect(r.status == 200)
            scraped = r.body
            m = Promtool.samples(scraped)
            if (m["margintop_ticks_total"] ?? 0) > 0, (m["margintop_tick_to_snapshot_seconds_count"] ?? 0) > 0,
                (m["margintop_book_accounts"] ?? 0) > 0
            {
                break
            }
            usleep(200_000)
        } while Date() < deadline
        let accounts = try #require(m["margintop_book_accounts"], "\(scraped)")
        let states = ["safe", "warning", "danger", "liquidatable", "bankrupt", "error"]
        let sum = states.reduce(0.0) { $0 + (m[#"margintop_accounts{state="\#($1)"}"#] ?? -1_000_000) }
        #expect(accounts > 0 && sum == accounts, "\(scraped)")
        // The screen shows the same book: its counts line names the accounts.
        let shown = Int(accounts).formatted(.number.grouping(.automatic).locale(Locale(identifier: "en_US")))
        #expect(screen.contains("\(shown) shown") || screen.contains("of \(shown)"), "\(shown) in\n\(screen)")
        #expect(m["margintop_feed_up"] == 1 && m[#"margintop_feed_status{status="live"}"#] == 1)
        #expect(m["margintop_store_up"] == 1 && m[#"margintop_store_status{status="connected"}"#] == 1)
        #expect((m["margintop_ticks_total"] ?? 0) > 0 && (m["margintop_tick_to_snapshot_seconds_count"] ?? 0) > 0)
        let check = try Promtool.checkMetrics(scraped)
        #expect(check.status == 0 && check.stdout.isEmpty && check.stderr.isEmpty, "\(check.stdout)\(check.stderr)")
        try t.keys("q")
        try t.waitForExit(status: 0)
    }
}
