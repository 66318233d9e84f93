import Foundation
import MarginCore
import MarginFeeds
import MarginFeedsTestSupport
import Synchronization
import Testing

/// Websocket adapters against a real in-process server on 127.0.0.1.
@Suite(.timeLimit(.minutes(1)))
struct WebSocketFeedTests {
    static func binanceUpdate(_ symbol: String, mark: String, index: String, time: Int64) -> String {
        #"{"e":"markPriceUpdate","E":\#(time),"s":"\#(symbol)","p":"\#(mark)","P":"\#(mark)","i":"\#(index)","r":"0.00010000","T":\#(time + 3_600_000)}"#
    }

    static func exactBackoff() -> Backoff {
        Backoff(initial: .milliseconds(500), multiplier: 2, maxDelay: .seconds(4), jitter: 0)
    }

    @Test func binanceSingleStreamTicksDecodeExactly() async throws {
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send(
                Self.binanceUpdate("BTCUSDT", mark: "60012.50000000", index: "60001.12345678", time: 1_764_000_000_123))
            try await conn.send(
                Self.binanceUpdate("BTCUSDT", mark: "60013.10000000", index: "60002.00000000", time: 1_764_000_001_123))
            await conn.waitUntilClosed()
        }
        let feed = WebSocketFeed(
            adapter: .binance(), configuration: .init(url: server.url("/market/ws/btcusdt@markPrice@1s")))
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 4)
        try await statuses.wait(for: "live") { $0 == .live }
        let t = ticks.ticks
        #expect(t[0].symbol == "BTCUSDT" && t[0].kind == .mark && t[0].value == 60012.5)
        #expect(t[1].kind == .index && t[1].value == 60001.12345678)
        #expect(t[0].exchangeTime == 1_764_000_000.123)
        #expect(t[3].value == 60002)
        #expect(await feed.lastUpdate(symbol: "BTCUSDT") != nil)
        #expect(server.requestPaths.first == "/market/ws/btcusdt@markPrice@1s")
        await feed.stop()
        #expect(await feed.status() == .finished)
        await server.stop()
    }

    @Test func binanceAllSymbolsFrameOver100KBDecodesFully() async throws {
        let frame = SyntheticFrames.binanceAllSymbols(symbols: 650)
        #expect(frame.utf8.count > 100_000)
        let expected = BinanceDecoderTests.expectedTicks(frame)
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send(frame)
            await conn.waitUntilClosed()
        }
        let feed = WebSocketFeed(
            adapter: .binance(), configuration: .init(url: server.url("/market/ws/!markPrice@arr@1s")))
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 1300)
        let got = ticks.ticks
        #expect(got.count == 1300)
        #expect(got.map(\.symbol) == expected.map(\.symbol))
        #expect(got.map(\.value) == expected.map(\.value))
        #expect(got.map(\.kind) == expected.map(\.kind))
        let counters = await feed.counters()
        #expect(counters.messages == 1 && counters.ticks == 1300 && counters.rejectedTotal == 0)
        await feed.stop()
        await server.stop()
    }

    @Test func binanceCombinedStreamAndSymbolMap() async throws {
        let server = try await TestWebSocketServer.start { conn in
            let btc = Self.binanceUpdate("BTCUSDT", mark: "60000.5", index: "59990.25", time: 1_764_000_000_000)
            let eth = Self.binanceUpdate("ETHUSDT", mark: "3000.5", index: "2999.75", time: 1_764_000_000_000)
            try await conn.send(#"{"stream":"btcusdt@markPrice@1s","data":\#(btc)}"#)
            try await conn.send(#"{"stream":"ethusdt@markPrice@1s","data":\#(eth)}"#)
            await conn.waitUntilClosed()
        }
        var map = SymbolMap.passthrough
        map.set("BTCUSDT", .mark, to: "BTC-PERP")
        map.set("BTCUSDT", .index, to: "BTC")
        let feed = WebSocketFeed(
            adapter: .binance(),
            configuration: .init(url: server.url("/market/stream?streams=btcusdt@markPrice@1s/ethusdt@markPrice@1s")),
            symbolMap: map)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 2)
        try await waitUntil("eth counted") { await feed.counters().unmapped == 2 }
        #expect(
            ticks.ticks.map { "\($0.symbol) \($0.kind) \($0.value)" } == [
                "BTC-PERP mark 60000.5", "BTC index 59990.25",
            ])
        let counters = await feed.counters()
        #expect(counters.messages == 2 && counters.ticks == 2 && counters.unmapped == 2)
        await feed.stop()
        await server.stop()
    }

    @Test func deribitTickersIndexAndOptionConversion() async throws {
        let server = try await TestWebSocketServer.start { conn in
            // The client sets the heartbeat and subscribes first.
            let first = await conn.receive()
            let second = await conn.receive()
            guard let first, let second, first.contains("public/set_heartbeat"), second.contains("public/subscribe")
            else {
                try await conn.close(code: 1008, reason: "expected set_heartbeat then subscribe")
                return
            }
            try await conn.send(
                #"{"jsonrpc":"2.0","id":2,"result":["ticker.BTC-PERPETUAL.100ms","deribit_price_index.btc_usd"]}"#)
            try await conn.send(
                #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.btc_usd","data":{"timestamp":1764000000000,"price":60010.25,"index_name":"btc_usd"}}}"#
            )
            try await conn.send(
                #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-PERPETUAL.100ms","data":{"timestamp":1764000000100,"instrument_name":"BTC-PERPETUAL","mark_price":60020.5,"index_price":60010.25,"best_bid_price":60020.0,"state":"open"}}}"#
            )
            try await conn.send(
                #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-27DEC26-60000-C.100ms","data":{"timestamp":1764000000200,"instrument_name":"BTC-27DEC26-60000-C","mark_price":0.0825,"mark_iv":55.3,"index_price":60000.0,"underlying_price":60500.0}}}"#
            )
            await conn.waitUntilClosed()
        }
        let feed = WebSocketFeed(
            adapter: .deribit(instruments: ["BTC-PERPETUAL", "BTC-27DEC26-60000-C"], indexes: ["btc_usd"]),
            configuration: .init(url: server.url("/ws/api/v2")))
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 4)
        let t = ticks.ticks.map { "\($0.symbol) \($0.kind) \($0.value)" }
        #expect(
            t == [
                "btc_usd index 60010.25", "BTC-PERPETUAL mark 60020.5", "BTC-27DEC26-60000-C mark \(0.0825 * 60000.0)",
                "BTC-27DEC26-60000-C iv \(55.3 / 100)",
            ])
        let counters = await feed.counters()
        #expect(counters.control == 1 && counters.rejectedTotal == 0)
        await feed.stop()
        await server.stop()
    }

    @Test func coinbaseTickerAndHeartbeats() async throws {
        let server = try await TestWebSocketServer.start { conn in
            let a = await conn.receive()
            let b = await conn.receive()
            guard let a, let b, a.contains(#""channel":"ticker""#), b.contains(#""channel":"heartbeats""#) else {
                try await conn.close(code: 1008)
                return
            }
            try await conn.send(
                #"{"channel":"subscriptions","client_id":"","timestamp":"2026-11-24T12:00:00.000000000Z","sequence_num":0,"events":[{"subscriptions":{"ticker":["BTC-USD"]}}]}"#
            )
            try await conn.send(
                #"{"channel":"ticker","client_id":"","timestamp":"2026-11-24T12:00:00.123456789Z","sequence_num":1,"events":[{"type":"snapshot","tickers":[{"type":"ticker","product_id":"BTC-USD","price":"60012.5","volume_24_h":"1000"},{"type":"ticker","product_id":"ETH-USD","price":"3001.25"}]}]}"#
            )
            try await conn.send(
                #"{"channel":"heartbeats","client_id":"","timestamp":"2026-11-24T12:00:01.000Z","sequence_num":2,"events":[{"current_time":"2026-11-24 12:00:01","heartbeat_counter":"1"}]}"#
            )
            await conn.waitUntilClosed()
        }
        let feed = WebSocketFeed(
            adapter: .coinbase(products: ["BTC-USD", "ETH-USD"]), configuration: .init(url: server.url("/")))
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 2)
        try await waitUntil("heartbeat counted") { await feed.counters().control == 2 }
        #expect(
            ticks.ticks.map { "\($0.symbol) \($0.kind) \($0.value)" } == [
                "BTC-USD index 60012.5", "ETH-USD index 3001.25",
            ])
        #expect(
            Timestamp.milliseconds(ticks.ticks[0].exchangeTime)
                == Timestamp.milliseconds(Timestamp.parseLenient("2026-11-24T12:00:00.123Z")!))
        await feed.stop()
        await server.stop()
    }

    /// The server drops the TCP connection after one tick: down, reconnecting (attempt 1 after
    /// 0.5 s on the test clock), then live again on a second connection.
    @Test func droppedConnectionReconnectsWithBackoff() async throws {
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "1.5", index: "1.25", time: 1_764_000_000_000))
            try? await Task.sleep(for: .milliseconds(20))
            await conn.drop()
        }
        let clock = ManualClock()
        var config = WebSocketFeedConfiguration(url: server.url("/market/ws/x"), backoff: Self.exactBackoff())
        config.watchdogTimeout = .seconds(30)
        let feed = WebSocketFeed(adapter: .binance(), configuration: config, clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 2)
        let live1 = try await statuses.wait(for: "live") { $0 == .live }
        let down = try await statuses.wait(for: "down", from: live1) { if case .down = $0 { true } else { false } }
        let reconnecting = try await statuses.wait(for: "reconnecting", from: down) {
            if case .reconnecting = $0 { true } else { false }
        }
        #expect(statuses.all[reconnecting] == .reconnecting(attempt: 1, nextDelay: .milliseconds(500)))
        // Nothing happens until the test clock moves: the run loop is parked in its one backoff
        // sleep (the first connection's watchdog was cancelled), so no second attempt can start.
        #expect(await clock.waitForSleepers(1))
        #expect(clock.sleeperCount == 1)
        #expect(clock.sleepDurations.filter { $0 < .seconds(10) } == [.milliseconds(500)])
        #expect(!statuses.all[reconnecting...].contains(.connecting))
        #expect(server.connectionCount == 1)
        #expect(await feed.counters().connections == 1)
        clock.advance(by: .milliseconds(500))
        try await ticks.wait(count: 4)
        try await statuses.wait(for: "live again", from: reconnecting) { $0 == .live }
        #expect(server.connectionCount >= 2)
        // A connection that delivered ticks resets the attempt count.
        let again = try await statuses.wait(for: "second reconnect", from: reconnecting + 1) {
            if case .reconnecting = $0 { true } else { false }
        }
        #expect(statuses.all[again] == .reconnecting(attempt: 1, nextDelay: .milliseconds(500)))
        await feed.stop()
        await server.stop()
    }

    /// A clean close (1000) is also a reason to reconnect.
    @Test func cleanCloseReconnects() async throws {
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "2", index: "2", time: 1_764_000_000_000))
            try await conn.close(code: 1000, reason: "bye")
        }
        let clock = ManualClock()
        let feed = WebSocketFeed(
            adapter: .binance(), configuration: .init(url: server.url("/"), backoff: Self.exactBackoff()), clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 2)
        let down = try await statuses.wait(for: "down") { if case .down = $0 { true } else { false } }
        #expect(statuses.all[down] == .down(reason: "closed by server (code 1000: bye)"))
        try await statuses.wait(for: "reconnecting", from: down) {
            $0 == .reconnecting(attempt: 1, nextDelay: .milliseconds(500))
        }
        #expect(await clock.waitForSleepers(1))  // the backoff sleep has begun: advancing now wakes it
        clock.advance(by: .milliseconds(500))
        try await ticks.wait(count: 4)
        #expect(server.connectionCount >= 2)
        await feed.stop()
        await server.stop()
    }

    /// Nothing listens on the port: each attempt fails and the delays follow the schedule
    /// 0.5, 1, 2, 4, 4 s (test clock, no jitter); when a server appears the feed goes live.
    @Test func refusedConnectionBacksOffThenRecovers() async throws {
        let probe = try await TestWebSocketServer.start { _ in }
        let port = probe.port
        await probe.stop()
        let clock = ManualClock()
        let feed = WebSocketFeed(
            adapter: .binance(),
            configuration: .init(
                url: "ws://127.0.0.1:\(port)/market/ws/x", watchdogTimeout: .seconds(30), backoff: Self.exactBackoff()),
            clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        var expected: [Duration] = [.milliseconds(500), .seconds(1), .seconds(2), .seconds(4), .seconds(4)]
        var from = 0
        for (n, delay) in expected.enumerated() {
            from = try await statuses.wait(for: "reconnecting \(n + 1)", from: from) {
                if case .reconnecting = $0 { true } else { false }
            }
            #expect(statuses.all[from] == .reconnecting(attempt: n + 1, nextDelay: delay))
            #expect(statuses.all[from - 1].isDown)
            from += 1
            #expect(await clock.waitForSleepers(1))  // the backoff sleep has begun (also before sleepDurations is read)
            if n < expected.count - 1 { clock.advance(by: delay) }
        }
        #expect(clock.sleepDurations.filter { $0 != .seconds(30) } == Array(expected.prefix(5)))
        // Now a server appears on that port.
        let server = try await TestWebSocketServer.start(port: port) { conn in
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "3", index: "3", time: 1_764_000_000_000))
            await conn.waitUntilClosed()
        }
        #expect(await clock.waitForSleepers(1))  // the backoff sleep has begun: advancing now wakes it
        clock.advance(by: expected.removeLast())
        try await ticks.wait(count: 2)
        try await statuses.wait(for: "live", from: from) { $0 == .live }
        await feed.stop()
        await server.stop()
    }

    /// The server accepts TCP but answers the websocket upgrade with HTTP 403 (once to a raw
    /// check, then twice to the feed): each attempt is reported down and backed off on the test
    /// clock (0.5 s, then 1 s) with no connection counted; the next upgrade succeeds and the
    /// feed goes live. WSClient drops the response, so the reason cannot name the 403.
    @Test func upgradeRefusedWithHTTPErrorBacksOffThenRecovers() async throws {
        let server = try await TestWebSocketServer.start(refusingUpgrades: .init(count: 3, status: 403, body: "banned"))
        { conn in
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "7.5", index: "7.25", time: 1_764_000_000_000))
            await conn.waitUntilClosed()
        }
        // What a client sees on the wire: a complete 403 response, then the server hangs up.
        let raw = try await withTimeout(10, "raw handshake") {
            try await server.rawUpgradeResponse(path: "/market/ws/x")
        }
        #expect(raw.hasPrefix("HTTP/1.1 403 Forbidden\r\n") && raw.hasSuffix("\r\n\r\nbanned"), "\(raw)")
        #expect(server.refusedUpgradeCount == 1)
        let clock = ManualClock()
        let feed = WebSocketFeed(
            adapter: .binance(),
            configuration: .init(
                url: server.url("/market/ws/x"), watchdogTimeout: .seconds(30), backoff: Self.exactBackoff()),
            clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        let schedule: [Duration] = [.milliseconds(500), .seconds(1)]
        var from = 0
        for (n, delay) in schedule.enumerated() {
            let down = try await statuses.wait(for: "down \(n + 1)", from: from) { $0.isDown }
            #expect(statuses.all[down] == .down(reason: "websocket upgrade failed (127.0.0.1:\(server.port))"))
            let reconnecting = try await statuses.wait(for: "reconnecting \(n + 1)", from: down) {
                if case .reconnecting = $0 { true } else { false }
            }
            #expect(statuses.all[reconnecting] == .reconnecting(attempt: n + 1, nextDelay: delay))
            // Parked in the backoff sleep: no further attempt until the clock moves.
            #expect(await clock.waitForSleepers(1))
            #expect(clock.sleepDurations.filter { $0 < .seconds(10) } == Array(schedule.prefix(n + 1)))
            #expect(server.refusedUpgradeCount == n + 2)
            #expect(server.connectionCount == 0)
            #expect(await feed.counters().connections == 0)
            #expect(ticks.count == 0)
            from = reconnecting + 1
            clock.advance(by: delay)
        }
        try await ticks.wait(count: 2)
        let live = try await statuses.wait(for: "live", from: from) { $0 == .live }
        #expect(!statuses.all[..<live].contains(.live))
        #expect(
            ticks.ticks.map { "\($0.symbol) \($0.kind) \($0.value)" } == ["BTCUSDT mark 7.5", "BTCUSDT index 7.25"])
        #expect(server.refusedUpgradeCount == 3 && server.connectionCount == 1)
        #expect(server.requestPaths == ["/market/ws/x"])
        #expect(await feed.counters().connections == 1)
        await feed.stop()
        await server.stop()
    }

    /// A real symbol-map file named by the spec's `map=FILE`, through the factory: a mapped
    /// symbol arrives under the book's symbols with exact values, an unmapped one is counted.
    @Test func specMapFileMapsThroughFactory() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margintop-map-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let mapPath = dir.appendingPathComponent("binance.map").path
        try """
        # exchange-symbol  source-kind  book-symbol  [book-kind]
        BTCUSDT  mark   BTC-PERP

        BTCUSDT  index  BTC  index   # spot reference
        """.write(toFile: mapPath, atomically: true, encoding: .utf8)
        let btc = Self.binanceUpdate(
            "BTCUSDT", mark: "60012.50000000", index: "60001.12345678", time: 1_764_000_000_123)
        let eth = Self.binanceUpdate("ETHUSDT", mark: "3000.10000000", index: "2999.90000000", time: 1_764_000_000_123)
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send("[\(btc),\(eth)]")
            await conn.waitUntilClosed()
        }
        let clock = ManualClock()
        let spec = "binance:\(server.url("/market/ws/!markPrice@arr@1s")),map=\(mapPath),timeout=30"
        let feed = try FeedFactory.make(spec: spec, clock: clock)
        let ws = try #require(feed as? WebSocketFeed)
        #expect(ws.core.symbolMap == (try SymbolMap.load(path: mapPath)))
        #expect(ws.configuration.watchdogTimeout == .seconds(30))
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 2)
        try await waitUntil("frame counted") { await feed.counters().messages == 1 }
        let t = ticks.ticks
        #expect(t.map { "\($0.symbol) \($0.kind)" } == ["BTC-PERP mark", "BTC index"])
        #expect(t.map(\.value) == [60012.5, 60001.12345678])
        #expect(t.allSatisfy { $0.exchangeTime == 1_764_000_000.123 })
        let counters = await feed.counters()
        #expect(counters.messages == 1 && counters.ticks == 2 && counters.unmapped == 2 && counters.rejectedTotal == 0)
        #expect(await feed.lastUpdate(symbol: "BTC-PERP") != nil)
        #expect(await feed.lastUpdate(symbol: "ETHUSDT") == nil)
        #expect(server.requestPaths == ["/market/ws/!markPrice@arr@1s"])
        await feed.stop()
        await server.stop()
    }

    /// The socket stays open but the server goes silent: the watchdog marks the feed down
    /// after the timeout (test clock), then it reconnects.
    @Test func stalledServerTripsWatchdog() async throws {
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "4", index: "4", time: 1_764_000_000_000))
            await conn.waitUntilClosed()  // then silence
        }
        let clock = ManualClock()
        let feed = WebSocketFeed(
            adapter: .binance(),
            configuration: .init(url: server.url("/"), watchdogTimeout: .seconds(5), backoff: Self.exactBackoff()),
            clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 2)
        let live = try await statuses.wait(for: "live") { $0 == .live }
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(4))
        try await Task.sleep(for: .milliseconds(50))
        #expect(await feed.status() == .live)  // not yet silent for 5 s
        clock.advance(by: .seconds(1))
        let down = try await statuses.wait(for: "down", from: live) { if case .down = $0 { true } else { false } }
        #expect(statuses.all[down] == .down(reason: "no message for 5.0 seconds"))
        try await statuses.wait(for: "reconnecting", from: down) {
            $0 == .reconnecting(attempt: 1, nextDelay: .milliseconds(500))
        }
        #expect(await clock.waitForSleepers(1))  // the backoff sleep has begun: advancing now wakes it
        clock.advance(by: .milliseconds(500))
        try await ticks.wait(count: 4)
        try await statuses.wait(for: "live again", from: down) { $0 == .live }
        #expect(server.connectionCount == 2)
        await feed.stop()
        await server.stop()
    }

    /// Garbage and bad prices are counted by reason and skipped; the feed stays live.
    @Test func garbageIsCountedAndSkipped() async throws {
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send("not json at all")
            try await conn.send("{\"e\":")
            try await conn.send(#"{"e":"aggTrade","s":"BTCUSDT"}"#)
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "100", index: "100", time: 1_764_000_001_000))
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "abc", index: "0", time: 1_764_000_002_000))
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "-5", index: "NaN", time: 1_764_000_003_000))
            // Older than the last accepted one.
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "99", index: "99", time: 1_764_000_000_000))
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "101", index: "101", time: 1_764_000_004_000))
            try await conn.send(#"{"result":null,"id":1}"#)
            await conn.waitUntilClosed()
        }
        let feed = WebSocketFeed(adapter: .binance(), configuration: .init(url: server.url("/")))
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 4)
        try await waitUntil("all messages") { await feed.counters().messages == 9 }
        let c = await feed.counters()
        #expect(ticks.ticks.map(\.value) == [100, 100, 101, 101])
        #expect(c.rejected == ["malformed_json": 2, "unknown_message": 1, "bad_price": 4, "out_of_order": 2])
        #expect(c.ticks == 4 && c.control == 1)
        #expect(await feed.status() == .live)
        await feed.stop()
        await server.stop()
    }

    /// Every new connection subscribes again.
    @Test func reconnectResubscribes() async throws {
        let subscriptions = Locked<[String]>([])
        let server = try await TestWebSocketServer.start { conn in
            for _ in 0..<2 {
                if let m = await conn.receive() { subscriptions.set(subscriptions.get() + [m]) }
            }
            try await conn.send(
                #"{"channel":"ticker","timestamp":"2025-11-24T12:00:00Z","events":[{"type":"update","tickers":[{"product_id":"BTC-USD","price":"60000"}]}]}"#
            )
            try await conn.close(code: 1001, reason: "going away")
        }
        let clock = ManualClock()
        let feed = WebSocketFeed(
            adapter: .coinbase(products: ["BTC-USD"]),
            configuration: .init(url: server.url("/"), backoff: Self.exactBackoff()), clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 1)
        let down = try await statuses.wait(for: "down") { $0.isDown }
        #expect(statuses.all[down] == .down(reason: "closed by server (code 1001: going away)"))
        try await statuses.wait(for: "reconnecting", from: down) {
            $0 == .reconnecting(attempt: 1, nextDelay: .milliseconds(500))
        }
        #expect(await clock.waitForSleepers(1))  // the backoff sleep has begun: advancing now wakes it
        clock.advance(by: .milliseconds(500))
        try await ticks.wait(count: 2)
        try await waitUntil("resubscribed") { subscriptions.get().count >= 4 }
        let subs = subscriptions.get()
        #expect(subs[0] == subs[2] && subs[1] == subs[3])
        #expect(subs[0].contains(#""channel":"ticker""#) && subs[1].contains(#""channel":"heartbeats""#))
        #expect(await feed.counters().connections >= 2)
        await feed.stop()
        await server.stop()
    }

    /// `wss://` goes through TLS: against a plain server the handshake fails, which shows as
    /// down (with the reason) and a scheduled reconnect, never as live.
    @Test func tlsHandshakeFailureIsReportedDown() async throws {
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "5", index: "5", time: 1_764_000_000_000))
            await conn.waitUntilClosed()
        }
        let clock = ManualClock()
        let feed = WebSocketFeed(
            adapter: .binance(),
            configuration: .init(url: "wss://localhost:\(server.port)/market/ws/x", backoff: Self.exactBackoff()),
            clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        let down = try await statuses.wait(for: "down") { $0.isDown }
        try await statuses.wait(for: "reconnecting", from: down) {
            $0 == .reconnecting(attempt: 1, nextDelay: .milliseconds(500))
        }
        #expect(!statuses.all.contains(.live))
        #expect(ticks.count == 0)
        await feed.stop()
        await server.stop()
    }

    /// A frame over the configured maximum closes the connection (1009 in the library); the
    /// feed reports it and reconnects rather than freezing.
    @Test func oversizedFrameIsReportedAndReconnects() async throws {
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send(Self.binanceUpdate("BTCUSDT", mark: "6", index: "6", time: 1_764_000_000_000))
            try await conn.send(SyntheticFrames.binanceAllSymbols(symbols: 200))  // ~31 KB
            await conn.waitUntilClosed()
        }
        let clock = ManualClock()
        var config = WebSocketFeedConfiguration(url: server.url("/"), backoff: Self.exactBackoff())
        config.maxFrameSize = 16 * 1024
        let feed = WebSocketFeed(adapter: .binance(), configuration: config, clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 2)
        let down = try await statuses.wait(for: "down") { $0.isDown }
        try await statuses.wait(for: "reconnecting", from: down) {
            $0 == .reconnecting(attempt: 1, nextDelay: .milliseconds(500))
        }
        #expect(ticks.count == 2)
        await feed.stop()
        await server.stop()
    }

    /// Deribit closes the socket unless every `test_request` is answered with `public/test`.
    /// This server does the same (300 ms grace); the client stays on one connection.
    @Test func deribitAnswersHeartbeats() async throws {
        let answered = Counter()
        let server = try await TestWebSocketServer.start { conn in
            guard let setup = await conn.receive(), setup.contains("public/set_heartbeat") else {
                try await conn.close(code: 1008, reason: "no set_heartbeat")
                return
            }
            _ = await conn.receive()  // subscribe
            for n in 0..<5 {
                try await conn.send(#"{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}"#)
                guard let reply = await conn.receive(timeout: .milliseconds(300)),
                    reply.contains(#""method":"public/test""#)
                else {
                    await conn.drop()
                    return
                }
                answered.increment()
                try await conn.send(#"{"jsonrpc":"2.0","id":9,"result":{"version":"1.2.26"}}"#)
                try await conn.send(
                    #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.btc_usd","data":{"timestamp":\#(1_764_000_000_000 + n),"price":\#(60000 + n),"index_name":"btc_usd"}}}"#
                )
            }
            await conn.waitUntilClosed()
        }
        let clock = ManualClock()
        let feed = WebSocketFeed(
            adapter: .deribit(instruments: [], indexes: ["btc_usd"]),
            configuration: .init(url: server.url("/ws/api/v2"), backoff: Self.exactBackoff()), clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 5)
        #expect(answered.value == 5)
        #expect(server.connectionCount == 1)
        #expect(!statuses.all.contains { $0.isDown })
        #expect(ticks.ticks.map(\.value) == [60000, 60001, 60002, 60003, 60004])
        await feed.stop()
        await server.stop()
    }
}

extension FeedStatus {
    var isDown: Bool { if case .down = self { true } else { false } }
}

final class Counter: Sendable {
    private let box = LockedCounter()
    func increment() { box.add() }
    var value: Int { box.get() }
}

final class LockedCounter: Sendable {
    private let m = Mutex(0)
    func add() { m.withLock { $0 += 1 } }
    func get() -> Int { m.withLock { $0 } }
}
