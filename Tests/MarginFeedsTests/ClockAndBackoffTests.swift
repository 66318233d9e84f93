import Foundation
import MarginCore
import MarginFeeds
import MarginFeedsTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct ClockAndBackoffTests {
    @Test func backoffScheduleIsExponentialCappedAndJittered() {
        var exact = Backoff(initial: .milliseconds(500), multiplier: 2, maxDelay: .seconds(30), jitter: 0)
        #expect(
            (1...8).map { exact.delay(attempt: $0) } == [0.5, 1, 2, 4, 8, 16, 30, 30].map { Duration.fromSeconds($0) })
        var jittered = Backoff(initial: .seconds(1), multiplier: 2, maxDelay: .seconds(30), jitter: 0.2, seed: 9)
        var again = Backoff(initial: .seconds(1), multiplier: 2, maxDelay: .seconds(30), jitter: 0.2, seed: 9)
        var distinct = Set<Duration>()
        for attempt in 1...6 {
            let d = jittered.delay(attempt: attempt)
            #expect(d == again.delay(attempt: attempt))  // seeded: reproducible
            let base = jittered.baseDelay(attempt: attempt).seconds
            #expect(d.seconds >= base * 0.8 - 1e-9 && d.seconds <= base * 1.2 + 1e-9)
            distinct.insert(.fromSeconds(d.seconds / base))
        }
        #expect(distinct.count > 1)
    }

    @Test func manualClockWakesSleepersInOrder() async throws {
        let clock = ManualClock()
        let start = clock.now
        let woke = Task { () -> Double in
            try await clock.sleep(for: .seconds(3))
            return clock.now
        }
        #expect(await clock.waitForSleepers(1))
        clock.advance(by: .seconds(2))
        #expect(clock.sleeperCount == 1)
        clock.advance(by: .seconds(1))
        let at = try await withTimeout(5) { try await woke.value }
        #expect(at - start == 3)
        // Cancellation wakes a sleeper with CancellationError.
        let cancelled = Task { try await clock.sleep(for: .seconds(100)) }
        #expect(await clock.waitForSleepers(1))
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(clock.sleeperCount == 0)
    }

    @Test func stoppingAFeedFinishesItsStreams() async throws {
        let clock = ManualClock()
        let feed = SimFeed(options: SimOptions(rate: 100), clock: clock)
        let statuses = StatusLog(feed)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 1)
        await feed.stop()
        try await ticks.waitFinished()
        try await statuses.wait(for: "finished") { $0 == .finished }
        // A new subscriber of a finished feed ends at once.
        let late = TickCollector(feed)
        try await late.waitFinished()
        #expect(late.count == 0)
    }

    @Test func droppingTheLastListenerStopsTheFeed() async throws {
        let clock = ManualClock()
        let feed = SimFeed(options: SimOptions(rate: 100), clock: clock)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 1)
        ticks.cancel()
        try await waitUntil("feed finished") { await feed.status() == .finished }
    }
}
