import Foundation
import MarginCore
import MarginFeeds
import MarginFeedsTestSupport
import Testing

/// Issue 10 ("Trust at the edges"), the feed items: times at the edge of `Int64` and in the far
/// future, a server that never answers the upgrade, hex numbers, and rejections that are counted.
@Suite(.timeLimit(.minutes(1)))
struct FeedEdgeTests {
    static func binance(_ time: String, mark: String = "100", index: String = "100") -> String {
        #"{"e":"markPriceUpdate","E":\#(time),"s":"BTCUSDT","p":"\#(mark)","i":"\#(index)"}"#
    }

    // MARK: Item 5: exchange times at the edge of Int64

    /// `Timestamp.format` is total over `Double`: far, infinite and NaN instants are written
    /// as the nearest end of the four-digit range instead of trapping.
    @Test func timestampFormatNeverTraps() {
        let max = "9999-12-31T23:59:59.999Z"
        let min = "0001-01-01T00:00:00.000Z"
        #expect(Timestamp.format(9_223_372_036_854_775.807, fixedMilliseconds: true) == max)
        #expect(Timestamp.format(.greatestFiniteMagnitude, fixedMilliseconds: true) == max)
        #expect(Timestamp.format(.infinity, fixedMilliseconds: true) == max)
        #expect(Timestamp.format(-.infinity, fixedMilliseconds: true) == min)
        #expect(Timestamp.format(.nan, fixedMilliseconds: true) == min)
        #expect(Timestamp.format(-1e300) == "0001-01-01T00:00:00Z")
        #expect(Timestamp.format(1_764_000_000.123) == "2025-11-24T16:00:00.123Z")
        #expect(Timestamp.milliseconds(.infinity) == .max && Timestamp.milliseconds(-1e300) == .min)
        #expect(Timestamp.milliseconds(.nan) == 0)
        #expect(!Timestamp.isRepresentable(.nan) && !Timestamp.isRepresentable(9.2e15))
        let tick = PriceUpdate(symbol: "BTC", kind: .index, value: 1, exchangeTime: 9.2e18)
        #expect(TickLine.encode(tick).contains(max))
    }

    /// Times beyond year 9999 (or before year 1) are a counted `bad_timestamp` at decode, as a
    /// string or as a number, in every decoder that reads epoch milliseconds.
    @Test func outOfRangeExchangeTimesAreRejectedAtDecode() {
        var binance = BinanceDecoder()
        for e in [
            #""9223372036854775807""#, "9223372036854775807", #""-9223372036854775808""#, "8999999999999999",
            #""253402300800000""#,
        ] {
            let m = binance.decode(Self.binance(e))
            #expect(m.prices.isEmpty, "\(e)")
            #expect(m.rejections.map(\.reason) == ["bad_timestamp"], "\(e)")
        }
        #expect(binance.decode(Self.binance(#""253402300799999""#)).prices.count == 2)
        var deribit = DeribitDecoder()
        let index = deribit.decode(
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.btc_usd","data":{"timestamp":"9223372036854775807","price":60000,"index_name":"btc_usd"}}}"#
        )
        #expect(index.rejections.map(\.reason) == ["bad_timestamp"])
        let ticker = deribit.decode(
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-PERPETUAL.100ms","data":{"timestamp":"9223372036854775807","instrument_name":"BTC-PERPETUAL","mark_price":60000}}}"#
        )
        #expect(ticker.rejections.map(\.reason) == ["bad_timestamp"])
        var ndjson = NDJSONTickDecoder()
        let line = ndjson.decode(#"{"ts":8999999999999999,"symbol":"BTC","kind":"index","price":1}"#)
        #expect(line.rejections.map(\.reason) == ["bad_timestamp"])
    }

    /// A ready tick with an unwritable time (a simulated or replayed one) is refused by the core
    /// and counted, so no recorder or watcher ever formats it.
    @Test func coreRejectsUnrepresentableTimes() {
        let core = FeedCore(name: "t")
        #expect(!core.emit(PriceUpdate(symbol: "BTC", kind: .index, value: 1, exchangeTime: .infinity)))
        #expect(!core.emit(PriceUpdate(symbol: "BTC", kind: .index, value: 1, exchangeTime: 9.3e15)))
        #expect(core.emit(PriceUpdate(symbol: "BTC", kind: .index, value: 1, exchangeTime: 1_764_000_000)))
        #expect(core.counters.rejected == ["bad_timestamp": 2] && core.counters.ticks == 1)
    }

    /// Item 5 end to end: the frame that used to trap a recording is counted, and the good
    /// ticks around it are recorded.
    @Test func recordingSurvivesAnInt64MaxTime() async throws {
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send(Self.binance("1764000000000", mark: "1", index: "1"))
            try await conn.send(Self.binance(#""9223372036854775807""#, mark: "2", index: "2"))
            try await conn.send(Self.binance("1764000001000", mark: "3", index: "3"))
            await conn.waitUntilClosed()
        }
        let (summary, lines) = try await record(server, frames: 3)
        #expect(summary.ticks == 4)
        #expect(summary.rejected == ["bad_timestamp": 1])
        #expect(lines.count == 4)
    }

    /// Records a Binance feed on `server` into a temporary file until `frames` messages have
    /// arrived; returns the recorder's summary and the file's lines. Stops the server.
    func record(_ server: TestWebSocketServer, frames: Int) async throws -> (FeedRecorder.Summary, [Substring]) {
        let feed = WebSocketFeed(adapter: .binance(), configuration: .init(url: server.url("/")))
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rec-\(UUID().uuidString).ndjson")
            .path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let recording = Task { try await FeedRecorder.record(feed, toPath: path, duration: nil) }
        try await waitUntil("\(frames) frames") { await feed.counters().messages == frames }
        await feed.stop()
        let summary = try await recording.value
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        await server.stop()
        return (summary, lines)
    }

    // MARK: Item 7: a far-future time must not freeze the symbol

    /// A frame stamped far in the future is a `future_time` rejection (the receive clock plus
    /// 5 s is the limit), so the ticks after it still flow; a new connection starts the ordering
    /// afresh, so an exchange whose clock stepped back is not frozen either.
    @Test func farFutureFrameIsRejectedAndReconnectResetsOrdering() async throws {
        let clock = ManualClock()
        let nowMs = Int64(clock.now * 1000)
        let connections = Counter()
        let server = try await TestWebSocketServer.start { conn in
            connections.increment()
            if connections.value == 1 {
                try await conn.send(Self.binance("8999999999999999", mark: "0", index: "0"))  // beyond year 9999
                try await conn.send(Self.binance("\(nowMs + 315_360_000_000)", mark: "1", index: "1"))  // in 10 years
                try await conn.send(Self.binance("\(nowMs + 4_000)", mark: "2", index: "2"))  // within the skew
                try await conn.send(Self.binance("\(nowMs + 6_000)", mark: "3", index: "3"))  // beyond it
                try await conn.send(Self.binance("\(nowMs - 1_000)", mark: "4", index: "4"))  // older than +4 s
                try? await Task.sleep(for: .milliseconds(20))
                await conn.drop()
            } else {
                // Older than everything the first connection delivered.
                try await conn.send(Self.binance("\(nowMs - 2_000)", mark: "5", index: "5"))
                await conn.waitUntilClosed()
            }
        }
        var config = WebSocketFeedConfiguration(
            url: server.url("/"), watchdogTimeout: .seconds(30), backoff: WebSocketFeedTests.exactBackoff())
        config.maxFutureSkew = .seconds(5)
        let feed = WebSocketFeed(adapter: .binance(), configuration: config, clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 2)
        let reconnecting = try await statuses.wait(for: "reconnecting") {
            if case .reconnecting = $0 { true } else { false }
        }
        #expect(ticks.ticks.map(\.value) == [2, 2])
        let c = await feed.counters()
        #expect(c.rejected == ["bad_timestamp": 1, "future_time": 4, "out_of_order": 2])
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .milliseconds(500))
        try await ticks.wait(count: 4)
        try await statuses.wait(for: "live again", from: reconnecting) { $0 == .live }
        #expect(ticks.ticks.map(\.value) == [2, 2, 5, 5])
        await feed.stop()
        await server.stop()
    }

    @Test func skewIsASpecOption() throws {
        guard case .binance(let o) = try FeedSpec.parse("binance:ws://h/x,skew=2.5") else {
            Issue.record("not binance")
            return
        }
        #expect(o.maxFutureSkew == .milliseconds(2500))
        guard case .binance(let d) = try FeedSpec.parse("binance:ws://h/x") else { return }
        #expect(d.maxFutureSkew == .seconds(5))
        #expect(throws: FeedError.self) { try FeedSpec.parse("binance:ws://h/x,skew=-1") }
        #expect(throws: FeedError.self) { try FeedSpec.parse("binance:ws://h/x,skew=0x10") }
    }

    // MARK: Item 6: a server that never answers the upgrade

    /// TCP is accepted and then nothing: the feed is down after the timeout (on the feed's
    /// clock) with the reason, backs off, and tries again; stopping it returns.
    @Test func silentServerBoundsTheUpgradeAndBacksOff() async throws {
        let silent = try await SilentTCPServer.start()
        let clock = ManualClock()
        let feed = WebSocketFeed(
            adapter: .binance(),
            configuration: .init(
                url: silent.url("/market/ws/x"), watchdogTimeout: .seconds(5),
                backoff: WebSocketFeedTests.exactBackoff()),
            clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        try await waitUntil("accepted") { silent.connectionCount == 1 }
        #expect(await clock.waitForSleepers(1))  // the upgrade's deadline sleeps on the feed clock
        clock.advance(by: .seconds(5))
        let down = try await statuses.wait(for: "down", timeout: 10) { $0.isDown }
        #expect(statuses.all[down] == .down(reason: "no websocket upgrade within 5.0 seconds"))
        try await statuses.wait(for: "reconnecting", from: down, timeout: 10) {
            $0 == .reconnecting(attempt: 1, nextDelay: .milliseconds(500))
        }
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .milliseconds(500))
        try await waitUntil("second attempt", timeout: 10) { silent.connectionCount == 2 }
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(5))
        try await statuses.wait(for: "down again", from: down + 2, timeout: 10) { $0.isDown }
        #expect(ticks.count == 0)
        #expect(await feed.counters().connections == 0)
        try await withTimeout(10, "feed stop") { await feed.stop() }
        #expect(await feed.status() == .finished)
        await silent.stop()
    }

    // MARK: Item 9: decimal numbers only

    @Test func decimalNumberFollowsTheJSONGrammar() {
        for ok in ["0", "-0", "16", "60012.50000000", "1e5", "1E+2", "2.5e-3", "-0.5", "123456789012345678901234"] {
            #expect(DecimalNumber.parse(ok) == Double(ok), "\(ok)")
        }
        for bad in [
            "0x10", "0X10", "0x1p16", "inf", "-inf", "Infinity", "nan", "NaN", "+1", " 1", "1 ", "1.", ".5", "01",
            "-", "", "1e", "1e+", "--1", "1_000", "1e400", "٣",
        ] {
            #expect(DecimalNumber.parse(bad) == nil, "\(bad)")
        }
        #expect(DecimalNumber.int64("1764000000123") == 1_764_000_000_123)
        #expect(DecimalNumber.int64("+5") == nil && DecimalNumber.int64("0x10") == nil)
        #expect(DecimalNumber.int64("1.5") == nil && DecimalNumber.int64("99999999999999999999") == nil)
    }

    /// `"p":"0x10"` was 16 and `"price":"0x1p16"` 65536: now `bad_price`, in frames, tick lines,
    /// replays (NDJSON and CSV) and spec options.
    @Test func hexNumbersAreNotPrices() throws {
        var binance = BinanceDecoder()
        let m = binance.decode(Self.binance("1764000000000", mark: "0x10", index: "100"))
        #expect(m.prices.map(\.value) == [100])
        #expect(m.rejections.map(\.reason) == ["bad_price"])
        #expect(binance.decode(Self.binance(#""0x1A""#)).rejections.map(\.reason) == ["bad_timestamp"])
        var deribit = DeribitDecoder()
        let ticker = deribit.decode(
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-PERPETUAL.100ms","data":{"timestamp":1764000000000,"instrument_name":"BTC-PERPETUAL","mark_price":"0x10"}}}"#
        )
        #expect(ticker.rejections.map(\.reason) == ["bad_price"])
        var coinbase = CoinbaseDecoder()
        let cb = coinbase.decode(
            #"{"channel":"ticker","timestamp":"2026-11-24T12:00:00Z","events":[{"tickers":[{"product_id":"BTC-USD","price":"inf"}]}]}"#
        )
        #expect(cb.rejections.map(\.reason) == ["bad_price"])
        let replay = ReplaySource.parseNDJSON(
            #"{"ts":"2026-11-24T12:00:00Z","symbol":"BTC","kind":"index","price":"0x1p16"}"#)
        #expect(replay.prices.isEmpty)
        guard case .rejected(let r)? = replay.items.first else {
            Issue.record("no rejection")
            return
        }
        #expect(r.reason == "bad_price")
        let csv = try ReplaySource.parseCSV(
            "date,symbol,open,high,low,close\n2026-11-24 12:00:00,BTCUSD,1,1,1,0x10\n2026-11-24 13:00:00,BTCUSD,1,1,1,60000\n"
        )
        #expect(csv.prices.map(\.value) == [60000])
        #expect(throws: FeedError.self) { try FeedSpec.parse("sim:rate=0x10") }
        #expect(throws: FeedError.self) { try FeedSpec.parse("replay:f.ndjson,speed=0x2") }
        #expect(throws: FeedError.self) { try FeedSpec.parse("binance:ws://h/x,timeout=0x5") }
    }

    /// A CSV replay date with a giant year is a rejected line, not an overflow trap.
    @Test func csvDatesWithHugeYearsAreRejected() throws {
        let csv = try ReplaySource.parseCSV(
            "date,symbol,open,high,low,close\n99999999999999999-01-01,BTCUSD,1,1,1,1\n+2026-11-24,BTCUSD,1,1,1,2\n2026-11-24,BTCUSD,1,1,1,3\n"
        )
        #expect(csv.prices.map(\.value) == [3])
        #expect(csv.items.count == 3)
    }

    // MARK: Item 10: rejections reach the recording's summary

    @Test func recorderSummaryCountsRejectionsByReason() async throws {
        let server = try await TestWebSocketServer.start { conn in
            try await conn.send("not json")
            try await conn.send(Self.binance("1764000000000", mark: "0x10", index: "7"))
            try await conn.send(Self.binance("1764000001000", mark: "-1", index: "8"))
            try await conn.send("{")
            try await conn.send("[")
            await conn.waitUntilClosed()
        }
        let (summary, _) = try await record(server, frames: 5)
        #expect(summary.ticks == 2)
        #expect(summary.rejected == ["malformed_json": 3, "bad_price": 2])
        #expect(summary.rejectedTotal == 5)
        #expect(summary.rejectionNote == " (5 rejected: malformed_json 3, bad_price 2)")
    }
}
