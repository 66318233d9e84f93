import Foundation
import MarginCore
import MarginFeeds
import MarginFeedsTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ReplayTests {
    static func fixture(_ name: String) throws -> String {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil))
        return url.path
    }

    static let lines = """
        {"ts":"2026-11-24T12:00:00.000Z","symbol":"BTC","kind":"index","price":60000}
        {"ts":"2026-11-24T12:00:01.000Z","symbol":"ETH","kind":"index","price":3000.25}
        {"ts":"2026-11-24T12:00:03.000Z","symbol":"BTC","kind":"index","price":60010.5}
        {"ts":"2026-11-24T12:00:03.500Z","symbol":"BTC-PERP","kind":"mark","price":60020.125}
        """

    @Test(arguments: [1.0, 10.0])
    func originalTimingScaledBySpeed(speed: Double) async throws {
        let clock = ManualClock()
        let feed = ReplayFeed(
            source: ReplaySource.parseNDJSON(Self.lines), options: ReplayOptions(path: "-", speed: .factor(speed)),
            clock: clock)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 1)
        for n in 2...4 {
            #expect(await clock.waitForSleepers(1))
            #expect(ticks.count == n - 1)  // waiting, not running ahead
            clock.advanceToNextSleeper()
            try await ticks.wait(count: n)
        }
        try await ticks.waitFinished()
        #expect(clock.sleepDurations == [1, 2, 0.5].map { Duration.fromSeconds($0 / speed) })
        #expect(ticks.ticks.map(\.value) == [60000, 3000.25, 60010.5, 60020.125])
        #expect(await feed.status() == .finished)
    }

    @Test func speedMaxDoesNotWaitAndLoopShiftsTime() async throws {
        let clock = ManualClock()
        let feed = ReplayFeed(
            source: ReplaySource.parseNDJSON(Self.lines), options: ReplayOptions(path: "-", speed: .max, loop: true),
            clock: clock)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 12)
        await feed.stop()
        #expect(clock.sleepDurations.isEmpty)
        let t = ticks.ticks
        #expect(t[4].value == t[0].value)
        // Second pass starts one gap (1 s) after the first pass ended.
        #expect(t[4].exchangeTime == t[3].exchangeTime + 1)
        #expect((t[4].exchangeTime - t[0].exchangeTime) == 4.5)
        #expect(await feed.counters().rejected.isEmpty)
    }

    @Test func recordThenReplayReproducesTicksExactly() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("rec-\(UUID().uuidString).ndjson").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let clock = ManualClock()
        let sim = SimFeed(universe: .demo, options: SimOptions(seed: 42, rate: 1000), clock: clock)
        let original = TickCollector(sim)
        let done = Locked<FeedRecorder.Summary?>(nil)
        let recording = Task {
            let summary = try await FeedRecorder.record(sim, toPath: path, duration: .seconds(1), clock: clock)
            done.set(summary)
        }
        // Drive the clock: 1 s of sim at 1000 ticks/s (the sim and the recorder's timer sleep).
        for _ in 0..<100 {
            #expect(await clock.waitForSleepers(2))
            clock.advanceToNextSleeper()
        }
        try await waitUntil("recording done") { done.get() != nil }
        try await recording.value
        let summary = try #require(done.get())
        #expect(summary.ticks >= 980 && !summary.feedFinished)
        await sim.stop()
        // The recorder subscribed after the first batch: align on its first tick.
        let all = original.ticks
        let recordedFile = try String(contentsOfFile: path, encoding: .utf8)
        let firstLine = try #require(ReplaySource.parseNDJSON(recordedFile).prices.first)
        let start = try #require(all.firstIndex { $0.symbol == firstLine.symbol && $0.value == firstLine.value })
        let recorded = Array(all[start..<min(all.count, start + summary.ticks)])
        #expect(recorded.count == summary.ticks)

        let replay = try ReplayFeed(options: ReplayOptions(path: path, speed: .max))
        let replayed = TickCollector(replay)
        try await replayed.waitFinished()
        let r = replayed.ticks
        #expect(r.count == summary.ticks)
        #expect(r.map(\.symbol) == recorded.map(\.symbol))
        #expect(r.map(\.kind) == recorded.map(\.kind))
        #expect(r.map(\.value) == recorded.map(\.value))
        #expect(r.map(\.exchangeTime) == recorded.map(\.exchangeTime))
    }

    @Test func realHourlyCSVReplaysOldestFirstWithExactCloses() async throws {
        let path = try Self.fixture("Coinbase_BTCUSD_1h_200.csv")
        let feed = try ReplayFeed(options: ReplayOptions(path: path, speed: .max))
        let ticks = TickCollector(feed)
        try await ticks.waitFinished()
        let t = ticks.ticks
        #expect(t.count == 200)
        #expect(t.allSatisfy { $0.symbol == "BTC" && $0.kind == .index })
        // File rows: newest first (2019-10-17 09-AM close 8035.88 ... 2019-10-09 02-AM close 8162.93).
        #expect(Timestamp.format(t.first!.exchangeTime, fixedMilliseconds: true) == "2019-10-09T02:00:00.000Z")
        #expect(t.first!.value == 8162.93)
        #expect(Timestamp.format(t.last!.exchangeTime, fixedMilliseconds: true) == "2019-10-17T09:00:00.000Z")
        #expect(t.last!.value == 8035.88)
        // Hourly, strictly increasing; 12-AM is midnight and 12-PM noon.
        for i in 1..<t.count { #expect((t[i].exchangeTime - t[i - 1].exchangeTime) == 3600) }
        let midnight = try #require(
            t.first { Timestamp.format($0.exchangeTime, fixedMilliseconds: true) == "2019-10-17T00:00:00.000Z" })
        #expect(midnight.value == 7966.43)
        let noon = try #require(
            t.first { Timestamp.format($0.exchangeTime, fixedMilliseconds: true) == "2019-10-16T12:00:00.000Z" })
        #expect(noon.value == 7987.02)
        // Every close matches the file's text exactly.
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let closes = text.split(whereSeparator: \.isNewline).dropFirst(2).map { Double($0.split(separator: ",")[5])! }
        #expect(t.map(\.value) == closes.reversed())
        #expect(await feed.counters().rejectedTotal == 0)
    }

    @Test func dailyCSVAndHourTimingOnTheClock() async throws {
        let source = try ReplaySource.load(path: try Self.fixture("Coinbase_BTCUSD_d_30.csv"))
        #expect(source.prices.count == 30)
        #expect(
            Timestamp.format(source.prices.last!.exchangeTime, fixedMilliseconds: true) == "2019-10-17T00:00:00.000Z")
        #expect(source.prices.last!.value == 8034.32)
        // Hourly data at speed 3600 waits one clock second per row.
        let clock = ManualClock()
        let hourly = try ReplaySource.load(path: try Self.fixture("Coinbase_BTCUSD_1h_200.csv"))
        let feed = ReplayFeed(source: hourly, options: ReplayOptions(path: "-", speed: .factor(3600)), clock: clock)
        let ticks = TickCollector(feed)
        for n in 1...3 {
            try await ticks.wait(count: n)
            #expect(await clock.waitForSleepers(1))
            clock.advance(by: .seconds(1))
        }
        #expect(clock.sleepDurations.prefix(3) == [.seconds(1), .seconds(1), .seconds(1)])
        await feed.stop()
    }

    @Test func badLinesAreCountedAtTheirPosition() async throws {
        let text =
            Self.lines + "\nnot json\n" + #"{"ts":"2026-11-24T12:00:04Z","symbol":"BTC","kind":"vol","price":1}"# + "\n"
            + #"{"ts":"2026-11-24T12:00:02Z","symbol":"BTC","kind":"index","price":1}"# + "\n"
        let feed = ReplayFeed(source: ReplaySource.parseNDJSON(text), options: ReplayOptions(path: "-", speed: .max))
        let ticks = TickCollector(feed)
        try await ticks.waitFinished()
        #expect(ticks.count == 4)
        #expect(await feed.counters().rejected == ["malformed_json": 1, "bad_kind": 1, "out_of_order": 1])
    }

    @Test func csvErrorsNameTheFile() {
        do {
            _ = try ReplaySource.parse("hello\nworld\n", file: "x.csv")
            Issue.record("expected an error")
        } catch {
            #expect(error.file == "x.csv" && error.code == .badFile)
        }
    }
}
