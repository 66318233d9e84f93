import Foundation
import Testing

/// Issue 11, item 4: `watch --headless` reports the distance to liquidation on state events,
/// the accounts near liquidation in summaries, and `near` events (with hysteresis) that reach
/// the alert command.
@Suite struct WatchNearTests {
    static let book = CLITests.fixtures.appendingPathComponent("watch-book.json").path

    /// ACC-1 (long 2 BTC-PERP at 60000 on 3000 USDC, MM 1%) is liquidated at
    /// 117000 / 1.98 = 59090.91: the fixture's walk down to 58800, then back up through 59800
    /// (1.19% away: inside 1.2 x 1%, still near) to 60000 (1.52%: out).
    static let ticks: String = {
        let prices = [60000, 59800, 59600, 59400, 59300, 59200, 59100, 59000, 58800, 59600, 59800, 60000]
        return prices.enumerated().map { n, p in
            #"{"ts": "2026-11-24T12:00:\#(String(format: "%02d", n)).000Z", "symbol": "BTC", "kind": "index", "price": \#(p)}"#
        }.joined(separator: "\n") + "\n"
    }()

    static func distance(at price: Double) -> Double { 117000 / 1.98 / price - 1 }

    static func events(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    @Test func nearEventsEnterAndLeaveWithHysteresisAndReachTheAlertCommand() async throws {
        let cli = CLITests()
        let ticks = try cli.tempFile(Self.ticks, name: "ticks.ndjson")
        let alerts = try cli.tempFile("", name: "alerts.txt")
        let r = try await cli.run([
            "watch", "--headless", "--book", Self.book, "--feed", "replay:\(ticks),speed=max", "--near", "0.01",
            "--summary-every", "1", "--alert-command", "cat >> '\(alerts)'",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let events = Self.events(r.stdout)
        let near = events.filter { $0["type"] as? String == "near" }
        // In at 59600 (0.85% away), still in at 59800 on the way back, out at 60000.
        #expect(
            near.map { "\($0["account"]!) \($0["entered"]!) \($0["exchangeTime"] ?? "-")" } == [
                "ACC-1 1 2026-11-24T12:00:02Z", "ACC-1 0 2026-11-24T12:00:11Z",
            ])
        #expect(near.map { $0["entered"] as? Bool } == [true, false])
        let d = near.map { $0["distanceToLiquidation"] as? Double ?? .nan }
        #expect(
            d.count == 2 && abs(d[0] - Self.distance(at: 59600)) < 1e-9 && abs(d[1] - Self.distance(at: 60000)) < 1e-9)

        // Every state event carries the distance at its step's prices: 0 once liquidatable.
        let states = events.filter { $0["type"] as? String == "state" }
        #expect(states.count >= 3 && states.allSatisfy { $0.keys.contains("distanceToLiquidation") })
        let toLiquidatable = try #require(states.first { $0["to"] as? String == "liquidatable" })
        #expect(toLiquidatable["distanceToLiquidation"] as? Double == 0)
        let toWarning = try #require(states.first { $0["to"] as? String == "warning" })
        #expect(abs((toWarning["distanceToLiquidation"] as? Double ?? .nan) - Self.distance(at: 59300)) < 1e-9)

        // Summaries count the accounts within 1% (no hysteresis there): ACC-1 from 59600 until 59600 on the way up.
        let summaries = events.filter { $0["type"] as? String == "summary" }
        let counts = Dictionary(
            summaries.map { ($0["exchangeTime"] as? String ?? "-", $0["nearLiquidation"] as? Int ?? -1) }
        ) { _, last in last }
        #expect(counts["2026-11-24T12:00:01Z"] == 0)
        #expect(counts["2026-11-24T12:00:05Z"] == 1)
        #expect(counts["2026-11-24T12:00:10Z"] == 0)
        #expect(summaries.last?["nearLiquidation"] as? Int == 0)

        // The alert command gets the entry (a worsening), not the exit.
        let alerted = try String(contentsOfFile: alerts, encoding: .utf8).split(separator: "\n").map(String.init)
        let nearAlerts = alerted.filter { $0.contains(#""type":"near""#) }
        #expect(nearAlerts.count == 1 && nearAlerts.allSatisfy { $0.contains(#""entered":true"#) }, "\(alerted)")
        #expect(alerted.filter { $0.contains(#""type":"state""#) }.count == 3)
    }

    /// The default threshold is 5%: ACC-1 (1.5% away) is near from the first tick; ACC-2 (cash only) never.
    @Test func defaultThresholdAndCashOnlyAccount() async throws {
        let r = try await CLITests().run([
            "watch", "--headless", "--book", Self.book, "--feed",
            "replay:" + CLITests.fixtures.appendingPathComponent("watch-ticks.ndjson").path + ",speed=max",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let events = Self.events(r.stdout)
        let near = events.filter { $0["type"] as? String == "near" }
        #expect(near.map { "\($0["account"]!) \($0["exchangeTime"] ?? "-")" } == ["ACC-1 2026-11-24T12:00:00Z"])
        #expect(events.last?["nearLiquidation"] as? Int == 1)
    }

    /// `--near` takes a plain decimal fraction in (0, 10]; anything else is a usage error.
    @Test(arguments: ["0", "-0.05", "10.5", "nan", "inf", "0x1p-3", "5%", "1e400", "abc"])
    func badNearIsAUsageError(_ value: String) async throws {
        let r = try await CLITests().run([
            "watch", "--headless", "--book", Self.book, "--feed", "replay:/nonexistent,speed=max", "--near=\(value)",
        ])
        #expect(r.status == 64, "\(value): \(r.stderr)")
        #expect(r.stderr.contains("--near must be a decimal fraction in (0, 10]"), "\(r.stderr)")
    }
}
