import Foundation
import MarginCore
import MarginFeeds
import MarginFeedsTestSupport
import Testing

/// A replay handed over in exchange-time steps (issue 10 item 21): one step per distinct
/// exchange time or per `step=` bucket, each produced only once the previous one is done.
@Suite(.timeLimit(.minutes(1)))
struct SteppedReplayTests {
    static let lines = """
        {"ts":"2026-11-24T12:00:00.000Z","symbol":"BTC","kind":"index","price":60000}
        {"ts":"2026-11-24T12:00:00.000Z","symbol":"ETH","kind":"index","price":3000}
        {"ts":"2026-11-24T12:00:01.000Z","symbol":"BTC","kind":"index","price":60010}
        {"ts":"2026-11-24T12:00:00.500Z","symbol":"ETH","kind":"index","price":1}
        not json
        {"ts":"2026-11-24T12:00:01.000Z","symbol":"ETH","kind":"index","price":3001}
        {"ts":"2026-11-24T12:00:01.400Z","symbol":"BTC","kind":"index","price":60020}
        {"ts":"2026-11-24T12:00:03.000Z","symbol":"BTC","kind":"index","price":60030}
        """
    static let t0 = 1_795_521_600.0  // 2026-11-24T12:00:00Z

    static func feed(step: Double? = nil, speed: ReplayOptions.Speed = .max, clock: any MarginClock = SystemClock())
        -> ReplayFeed
    {
        ReplayFeed(
            source: ReplaySource.parseNDJSON(lines), options: ReplayOptions(path: "-", speed: speed, step: step),
            clock: clock)
    }

    /// Step times as written, to the millisecond.
    static func times(_ steps: [FeedStep]) -> [String] {
        steps.map { Timestamp.format($0.time, fixedMilliseconds: true) }
    }

    static func drain(_ steps: FeedSteps) async -> [FeedStep] {
        var all: [FeedStep] = []
        while let s = await steps.next() { all.append(s) }
        return all
    }

    @Test func parsesStepDurations() throws {
        #expect(
            try FeedSpec.parse("replay:t.csv,speed=max,step=1s")
                == .replay(ReplayOptions(path: "t.csv", speed: .max, step: 1)))
        #expect(try FeedSpec.parse("replay:t,step=500ms") == .replay(ReplayOptions(path: "t", step: 0.5)))
        #expect(try FeedSpec.parse("replay:t,step=1m,loop") == .replay(ReplayOptions(path: "t", loop: true, step: 60)))
        #expect(try FeedSpec.parse("replay:t,step=2h") == .replay(ReplayOptions(path: "t", step: 7200)))
        #expect(try FeedSpec.parse("replay:t,step=0.25") == .replay(ReplayOptions(path: "t", step: 0.25)))
        for bad in [
            "step", "step=", "step=0s", "step=-1s", "step=fast", "step=1d", "step=ms", "step=nan", "step=9999h",
        ] {
            do {
                _ = try FeedSpec.parse("replay:t,\(bad)")
                Issue.record("expected an error for \(bad)")
            } catch {
                #expect(error.code == .badSpec && error.description.contains("step must be"), "\(error)")
            }
        }
    }

    /// Ticks sharing a time are one step; a line earlier than one before it (here ETH at
    /// 12:00:00.5 after BTC at 12:00:01) is an `out_of_order` rejection even in another series;
    /// receive times are the exchange times.
    @Test func oneStepPerDistinctExchangeTime() async throws {
        let feed = Self.feed()
        #expect(feed.startTime == Self.t0)
        let steps = try #require(feed.steps())
        #expect(feed.steps() == nil)  // claimed once
        let all = await Self.drain(steps)
        #expect(
            Self.times(all) == [
                "2026-11-24T12:00:00.000Z", "2026-11-24T12:00:01.000Z", "2026-11-24T12:00:01.400Z",
                "2026-11-24T12:00:03.000Z",
            ])
        #expect(all.map { $0.ticks.map(\.value) } == [[60000, 3000], [60010, 3001], [60020], [60030]])
        #expect(all.allSatisfy { s in s.ticks.allSatisfy { $0.receiveTime == $0.exchangeTime } })
        #expect(await feed.status() == .finished)
        let counters = await feed.counters()
        #expect(counters.ticks == 6)
        #expect(counters.rejected == ["out_of_order": 1, "malformed_json": 1])
    }

    /// `step=` buckets are aligned on multiples of the step; a step's time is its latest tick's.
    @Test func stepBucketsExchangeTime() async throws {
        let all = await Self.drain(try #require(Self.feed(step: 1).steps()))
        #expect(
            Self.times(all) == ["2026-11-24T12:00:00.000Z", "2026-11-24T12:00:01.400Z", "2026-11-24T12:00:03.000Z"])
        #expect(all.map(\.ticks.count) == [2, 3, 1])
        let coarse = await Self.drain(try #require(Self.feed(step: 60).steps()))
        #expect(Self.times(coarse) == ["2026-11-24T12:00:03.000Z"])
    }

    /// Backpressure: the feed reads, counts and paces the next step only after the consumer
    /// asks again. At speed=10 the wait before a step is its gap to the previous one over 10.
    @Test func nextStepWaitsForTheConsumer() async throws {
        let clock = ManualClock()
        let feed = Self.feed(speed: .factor(10), clock: clock)
        let steps = try #require(feed.steps())
        let first = try #require(await steps.next())
        #expect(first.time == Self.t0)
        // However long the consumer takes, nothing more is read: no sleeper, no count.
        for _ in 0..<50 { await Task.yield() }
        try await Task.sleep(for: .milliseconds(20))
        #expect(clock.sleeperCount == 0)
        #expect(await feed.counters().ticks == 2)
        let second = Task { await steps.next() }
        #expect(await clock.waitForSleepers(1))
        #expect(clock.sleepDurations == [.fromSeconds(0.1)])
        #expect(await feed.counters().ticks == 2)
        clock.advanceToNextSleeper()
        #expect(await second.value?.time == Self.t0 + 1)
        #expect(await feed.counters().ticks == 4)
        await feed.stop()
        #expect(await steps.next() == nil)
    }

    /// A feed stopped before it is stepped ends its steps at once; a streaming feed cannot step.
    @Test func stoppedOrStreamingFeeds() async throws {
        let stopped = Self.feed()
        let steps = try #require(stopped.steps())
        await stopped.stop()
        #expect(await steps.next() == nil)
        let streaming = Self.feed()
        let ticks = TickCollector(streaming)
        try await ticks.waitFinished()
        #expect(streaming.steps() == nil)
        #expect(ticks.count == 7)  // streaming keeps the per-series order check only
    }
}
