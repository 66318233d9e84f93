import Foundation
import MarginCore
import StoreTestSupport
import Testing
import ThreadTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 13, item 4: `watch --headless --metrics HOST:PORT` serves Prometheus text on `/metrics`
/// that agrees with the summary it writes, and that `promtool check metrics` accepts.
@Suite struct MetricsEndpointTests {
    static func temp(_ name: String) -> String { NSTemporaryDirectory() + "metrics-\(UUID().uuidString)-\(name)" }

    /// Polls `path` until `found` returns a value (at most `timeout` seconds).
    static func poll<T>(_ path: String, timeout: Double, _ found: (String) -> T?) async throws -> T {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let text = try? String(contentsOfFile: path, encoding: .utf8), let v = found(text) { return v }
            try await Task.sleep(for: .milliseconds(50))
        }
        let text = (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
        throw HTTPRequest.Failure(description: "not found in \(path) within \(timeout) s: \(text.suffix(2000))")
    }

    static func events(_ text: String) -> [[String: Any]] {
        text.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// A 60-account demo book; six one-second steps of index prices sliding down (states change),
    /// one unknown symbol and one negative price among them, then a last tick 1000 s later that the
    /// replay (at speed 20) waits 50 s for: the scrape happens in that quiet gap.
    static func fixtures() async throws -> (book: String, ticks: String, asOf: Double) {
        let book = temp("book.json")
        let made = try await CLITests().run(["demo-book", "--accounts", "60", "--seed", "1", "--out", book])
        try #require(made.status == 0, "\(made.stderr)")
        let asOf = try #require(Timestamp.parse(DemoBook.asOf)?.epochSeconds)
        func tick(_ t: Double, _ symbol: String, _ price: Double) -> String {
            #"{"ts": "\#(Timestamp.format(t))", "symbol": "\#(symbol)", "kind": "index", "price": \#(price)}"#
        }
        var lines: [String] = []
        for k in 0..<6 {
            let t = asOf + Double(k)
            lines += [
                tick(t, "BTC", 60000 * (1 - 0.02 * Double(k))), tick(t, "ETH", 3000 * (1 - 0.025 * Double(k))),
                tick(t, "SOL", 150 * (1 - 0.03 * Double(k))),
            ]
            if k == 2 { lines += [tick(t, "DOGE", 0.1), tick(t, "BTC", -5)] }
        }
        lines.append(tick(asOf + 1000, "BTC", 60000 * 0.9))
        let ticks = temp("ticks.ndjson")
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: ticks))
        return (book, ticks, asOf)
    }

    @Test func scrapeOfARunningWatchAgreesWithItsSummaryAndPassesPromtool() async throws {
        let (book, ticks, asOf) = try await Self.fixtures()
        let out = Self.temp("out.ndjson")
        let err = Self.temp("err.txt")
        defer { for f in [book, ticks, out, err] { try? FileManager.default.removeItem(atPath: f) } }
        let pid = try Spawn.start(
            CLITests.binary.path,
            [
                "watch", "--headless", "--book", book, "--feed", "replay:\(ticks),speed=20", "--summary-every", "1",
                "--metrics", "127.0.0.1:0",
            ], stdout: out, stderr: err)
        var exited = false
        defer { if !exited { kill(pid, SIGKILL) } }
        let port = try await Self.poll(err, timeout: 30) { text -> Int? in
            guard let m = text.firstMatch(of: /margintop: metrics on http:\/\/127\.0\.0\.1:([0-9]+)\/metrics\n/)
            else { return nil }
            return Int(m.1)
        }
        // The summary of the last step before the gap.
        let lastStep = Timestamp.format(asOf + 5)
        let before = try await Self.poll(out, timeout: 60) { text in
            Self.events(text).last { $0["type"] as? String == "summary" && $0["exchangeTime"] as? String == lastStep }
        }
        let scrape = try await offThread { try HTTPRequest.send(port: port) }
        #expect(scrape.status == 200)
        #expect(scrape.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let check = try await offThread { try Promtool.checkMetrics(scrape.body) }
        #expect(check.status == 0, "promtool: \(check.stdout)\(check.stderr)")
        #expect(check.stdout.isEmpty && check.stderr.isEmpty, "promtool lint: \(check.stdout)\(check.stderr)")
        #expect(try await offThread { try HTTPRequest.send(port: port, path: "/") }.status == 404)
        #expect(try await offThread { try HTTPRequest.send(port: port, method: "PUT") }.status == 405)

        kill(pid, SIGTERM)
        let status = try await offThread { try Spawn.wait(pid, timeout: 30, command: "watch --metrics") }
        exited = true
        #expect(status == 0)
        let events = Self.events(try String(contentsOfFile: out, encoding: .utf8))
        let final = try #require(events.last { $0["type"] as? String == "summary" })
        #expect(final["exchangeTime"] as? String == lastStep)

        let m = Promtool.samples(scrape.body)
        var sum = 0.0
        for state in AccountState.allCases {
            let v = try #require(m[#"margintop_accounts{state="\#(state.name)"}"#], "\(state.name): \(scrape.body)")
            #expect(v == Double(final[state.name] as? Int ?? -1), "\(state.name)")
            #expect(v == Double(before[state.name] as? Int ?? -1), "\(state.name)")
            sum += v
        }
        #expect(sum == 60 && m["margintop_book_accounts"] == 60 && final["accounts"] as? Int == 60)
        // Some accounts moved off safe: the test sees real figures, not zeros.
        #expect((m[#"margintop_accounts{state="safe"}"#] ?? 60) < 60)
        func close(_ a: Double?, _ b: Any?) -> Bool {
            guard let a, let b = (b as? Double) ?? (b as? Int).map(Double.init) else { return false }
            return a == b || abs(a - b) <= 1e-9 * max(abs(a), abs(b))
        }
        #expect(close(m["margintop_shortfall_quote"], final["shortfall"]))
        #expect(close(m["margintop_insurance_fund_quote"], final["insuranceFund"]))
        #expect(close(m["margintop_socialized_loss_quote"], final["socializedLoss"]))
        #expect(close(m["margintop_oldest_price_age_seconds"], final["oldestPriceAgeSeconds"]))
        #expect(close(m["margintop_near_liquidation_accounts"], final["nearLiquidation"]))
        #expect(close(m["margintop_stale_accounts"], final["staleAccounts"]))
        let rejected = try #require(final["rejectedByReason"] as? [String: Int])
        #expect(rejected["unknown_symbol"] == 1 && rejected.values.reduce(0, +) == 2, "\(rejected)")
        for (reason, n) in rejected {
            #expect(m[#"margintop_rejected_updates_total{reason="\#(reason)"}"#] == Double(n), "\(reason)")
        }
        // 18 index ticks accepted (DOGE delivered and refused by the book, the negative price refused by the feed).
        #expect(m["margintop_ticks_total"] == 18)
        // One latency sample per step that applied ticks.
        #expect(m["margintop_tick_to_snapshot_seconds_count"] == 6)
        #expect(m[#"margintop_tick_to_snapshot_seconds_bucket{le="+Inf"}"#] == 6)
        #expect(before["feed"] as? String == "live" && m["margintop_feed_up"] == 1)
        #expect(m[#"margintop_feed_status{status="live"}"#] == 1 && m[#"margintop_store_status{status="none"}"#] == 1)
        #expect(m["margintop_analysis_age_max_seconds"] != nil && m["margintop_analysis_age_near_seconds"] != nil)
        // The metrics' own cost is counted.
        #expect((m["margintop_metrics_update_seconds_total"] ?? 0) > 0)
    }

    /// A bad address is usage (64) before anything runs; one in use is a runtime failure (1) that names it.
    @Test func badOrBusyAddressFailsClearly() async throws {
        let book = CLITests.fixtures.appendingPathComponent("watch-book.json").path
        for bad in ["9464", "127.0.0.1:99999", "[::1:9464"] {
            let r = try await CLITests().run(["watch", "--headless", "--book", book, "--metrics", bad])
            #expect(r.status == 64 && r.stderr.contains("--metrics '\(bad)'"), "\(bad): \(r.stderr)")
        }
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_addr.s_addr = inet_addr("127.0.0.1")
        var len = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, len) == 0 && getsockname(fd, $0, &len) == 0
            }
        }
        try #require(bound && listen(fd, 1) == 0)
        let port = Int(UInt16(bigEndian: addr.sin_port))
        let busy = try await CLITests().run(["watch", "--headless", "--book", book, "--metrics", "127.0.0.1:\(port)"])
        #expect(busy.status == 1)
        #expect(
            busy.stderr == "margintop: cannot listen on 127.0.0.1:\(port): Address already in use\n", "\(busy.stderr)")
        #expect(busy.stdout.isEmpty)
        // The dashboard the same, before it opens a store or the terminal.
        let bad = try await CLITests().run(["dashboard", "--metrics", "localhost"])
        #expect(bad.status == 64 && bad.stderr.contains("--metrics 'localhost': no port"), "\(bad.stderr)")
        let home = NSTemporaryDirectory() + "metrics-home-\(UUID().uuidString)"
        defer { try? FileManager.default.removeItem(atPath: home) }
        var env = ProcessInfo.processInfo.environment
        (env["XDG_DATA_HOME"], env["XDG_STATE_HOME"]) = (home, home)
        let environment = env
        let dashboard = try await offThread {
            try Spawn.run(
                CLITests.binary.path, ["--metrics", "127.0.0.1:\(port)"], environment: environment, timeout: 30)
        }
        #expect(dashboard.status == 1, "\(dashboard.stderr)")
        #expect(dashboard.stderr == "margintop: cannot listen on 127.0.0.1:\(port): Address already in use\n")
        #expect(!FileManager.default.fileExists(atPath: home + "/margintop/margintop.sqlite"), "a store was opened")
    }
}
