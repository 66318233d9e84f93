import Foundation
import MarginCore
import MarginLive
import MarginMetrics
import StoreTestSupport
import Testing
import ThreadTestSupport

/// Issue 13, item 4: the `--metrics` endpoint over a real TCP connection, its exposition judged by
/// `promtool check metrics`, and its errors.
@Suite struct MetricsServerTests {
    static func snapshot(accounts: Int = 30) -> LiveSnapshot {
        let book = DemoBook.generate(accounts: accounts, seed: 3)
        let now = Timestamp.parse(DemoBook.asOf)?.epochSeconds ?? 0
        let live = LiveBook(book: book, now: now)
        return live.snapshot(now: now + 1, health: LoopHealth(feedStatus: "live", feedIsLive: true))
    }

    /// The value of the series `name` (with its labels as written, e.g. `{state="safe"}`).
    static func value(_ text: String, _ series: String) -> Double? {
        for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
            return Double(line.dropFirst(series.count + 1))
        }
        return nil
    }

    @Test func badAddressesAreUsageErrorsNamingTheOption() throws {
        for text in [
            "9464", "127.0.0.1:", ":9464", "127.0.0.1:65536", "127.0.0.1:-1", "127.0.0.1:http", "::1:9464",
            "[::1:9464", "a b:9464", "host\u{1b}[2J:9464", "127.0.0.1:9464 ", "127.0.0.1:099999",
        ] {
            #expect(throws: MetricsError.self, "\(text)") { try MetricsAddress(parsing: text) }
            do {
                _ = try MetricsAddress(parsing: text)
            } catch {
                #expect(error.code == .badAddress && error.exitCode == 64)
                #expect(error.message.hasPrefix("--metrics '") && error.message.contains("HOST:PORT"), "\(error)")
                #expect(!error.message.unicodeScalars.contains { $0.value == 0x1b }, "\(error)")
            }
        }
        #expect(try MetricsAddress(parsing: "127.0.0.1:0") == MetricsAddress(host: "127.0.0.1", port: 0))
        #expect(try MetricsAddress(parsing: "[::1]:9464") == MetricsAddress(host: "::1", port: 9464))
        #expect(try MetricsAddress(parsing: "localhost:9464").url == "http://localhost:9464/metrics")
        #expect(MetricsAddress(host: "::1", port: 9464).url == "http://[::1]:9464/metrics")
    }

    @Test func anAddressInUseOrNotOfThisMachineCannotBeListenedOn() async throws {
        let metrics = LiveMetrics()
        let first = try await MetricsServer.start(MetricsAddress(host: "127.0.0.1", port: 0), metrics: metrics)
        let port = first.address.port
        #expect(port > 0)
        do {
            let second = try await MetricsServer.start(MetricsAddress(host: "127.0.0.1", port: port), metrics: metrics)
            await second.stop()
            Issue.record("a second server bound 127.0.0.1:\(port)")
        } catch {
            #expect(error.code == .cannotListen && error.exitCode == 1)
            #expect(error.message == "cannot listen on 127.0.0.1:\(port): Address already in use", "\(error)")
        }
        await first.stop()
        // TEST-NET-1 (RFC 5737) is no address of this machine: bind fails, nothing is sent.
        do {
            let s = try await MetricsServer.start(MetricsAddress(host: "192.0.2.1", port: 9464), metrics: metrics)
            await s.stop()
            Issue.record("bound 192.0.2.1")
        } catch {
            #expect(error.message == "cannot listen on 192.0.2.1:9464: Cannot assign requested address", "\(error)")
        }
        do {
            let s = try await MetricsServer.start(
                MetricsAddress(host: "no-such-host.invalid", port: 0), metrics: metrics)
            await s.stop()
            Issue.record("bound no-such-host.invalid")
        } catch {
            #expect(error.message.hasPrefix("cannot listen on no-such-host.invalid:0: "), "\(error)")
        }
    }

    /// GET /metrics is the exposition (promtool passes it, lint included); other paths 404, other methods 405.
    @Test func servesTheExpositionOverTCP() async throws {
        let metrics = LiveMetrics()
        let snap = Self.snapshot()
        metrics.observe(snapshot: snap, near: 0.05)
        metrics.observeLatency(seconds: 0.003)
        metrics.observeLatency(seconds: 0.2)
        metrics.setTicksAccepted(120)
        metrics.setRejections(["bad_price": 2, "malformed_json\u{1b}[31m": 1])
        metrics.setFeedStatus("live")
        metrics.setStoreStatus("none")
        let server = try await MetricsServer.start(MetricsAddress(host: "127.0.0.1", port: 0), metrics: metrics)
        let port = server.address.port
        let r = try await offThread { try HTTPRequest.send(port: port) }
        #expect(r.status == 200)
        #expect(r.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let text = r.body
        var sum = 0.0
        for st in AccountState.allCases {
            let v = try #require(Self.value(text, #"margintop_accounts{state="\#(st.name)"}"#), "\(st.name) in \(text)")
            #expect(v == Double(snap.counts[st] ?? 0))
            sum += v
        }
        #expect(sum == 30 && Self.value(text, "margintop_book_accounts") == 30)
        #expect(Self.value(text, "margintop_ticks_total") == 120)
        #expect(Self.value(text, #"margintop_rejected_updates_total{reason="bad_price"}"#) == 2)
        #expect(Self.value(text, #"margintop_rejected_updates_total{reason="unknown_symbol"}"#) == 0)
        #expect(!text.unicodeScalars.contains { $0.value == 0x1b }, "a control character reached the exposition")
        #expect(Self.value(text, #"margintop_feed_status{status="live"}"#) == 1)
        #expect(Self.value(text, #"margintop_feed_status{status="down"}"#) == 0)
        #expect(Self.value(text, "margintop_feed_up") == 1 && Self.value(text, "margintop_store_up") == 1)
        #expect(Self.value(text, #"margintop_tick_to_snapshot_seconds_bucket{le="0.001"}"#) == 0)
        #expect(Self.value(text, #"margintop_tick_to_snapshot_seconds_bucket{le="0.005"}"#) == 1)
        #expect(Self.value(text, #"margintop_tick_to_snapshot_seconds_bucket{le="+Inf"}"#) == 2)
        #expect(Self.value(text, "margintop_tick_to_snapshot_seconds_count") == 2)
        #expect(text.contains("# HELP margintop_shortfall_quote "))
        let check = try await offThread { try Promtool.checkMetrics(text) }
        #expect(check.status == 0 && check.stderr.isEmpty && check.stdout.isEmpty, "\(check.stdout)\(check.stderr)")

        let missing = try await offThread { try HTTPRequest.send(port: port, path: "/") }
        #expect(missing.status == 404)
        let other = try await offThread { try HTTPRequest.send(port: port, path: "/metricsx") }
        #expect(other.status == 404)
        let post = try await offThread { try HTTPRequest.send(port: port, method: "POST") }
        #expect(post.status == 405 && post.headers["allow"] == "GET, HEAD")
        let query = try await offThread { try HTTPRequest.send(port: port, path: "/metrics?x=1") }
        #expect(query.status == 200 && query.body == metrics.exposition().asString)
        await server.stop()
    }

    /// Counters only go up: a total lower than before (a feed restarted) adds nothing.
    @Test func countersFollowRunningTotals() {
        let metrics = LiveMetrics()
        metrics.setTicksAccepted(10)
        metrics.setTicksAccepted(25)
        metrics.setTicksAccepted(5)
        metrics.setRejections(["bad_price": 3])
        metrics.setRejections(["bad_price": 4, "out_of_order": 1])
        let text = metrics.exposition().asString
        #expect(Self.value(text, "margintop_ticks_total") == 25)
        #expect(Self.value(text, #"margintop_rejected_updates_total{reason="bad_price"}"#) == 4)
        #expect(Self.value(text, #"margintop_rejected_updates_total{reason="out_of_order"}"#) == 1)
    }
}

extension [UInt8] {
    var asString: String { String(decoding: self, as: UTF8.self) }
}
