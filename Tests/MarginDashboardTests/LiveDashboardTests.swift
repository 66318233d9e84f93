import MarginCore
import MarginDashboard
import MarginFeeds
import MarginLive
import MarginRuntime
import MarginTUI
import MarginTUITestSupport
import TerminalCore
import Testing

/// The dashboard as `margintop` wires it, on a manual clock: the simulated feed into the one live
/// loop, its published snapshots into the app, the in-memory terminal, a review into the service.
@MainActor @Suite struct LiveDashboardTests {
    @Test func simFeedThroughTheLiveLoopToAStoredReview() async throws {
        let clock = ManualClock(start: Fixtures.now)
        let book = Fixtures.book()
        let feed = try FeedFactory.make(
            spec: "sim:seed=5,rate=100,accel=1", universe: SimUniverse(book: book), clock: clock)
        let loop = LiveLoop(book: book, feed: feed, clock: clock)
        let (snapshots, looping) = loop.publishing(.dashboard)
        let reviews = InMemoryReviewService(clock: { clock.now })
        let term = InMemoryTerminal(rows: 40, cols: 120)
        let app = DashboardApp(
            engine: loop.engine, reviews: reviews, options: DashboardOptions(operatorName: "bob", readOnly: false),
            terminal: term, clock: clock)
        let running = Task { await app.run(snapshots: snapshots) }

        // Live from the sim feed: the header names it, ticks arrive at its (manual) receive times.
        await waitForScreen(term, clock, "the live sim feed with a tick rate", rounds: 3_000) {
            $0.contains("feed sim") && $0.contains("ticks/s") && !$0.contains(" 0 ticks/s")
        }
        let health = await loop.engine.health(now: clock.now)
        #expect(health.feedIsLive && health.ticksPerSecond > 0)

        term.press(.char(" "), .char("L"))
        await waitForScreen(term, clock, "the review dialog", rounds: 3_000) { $0.contains("Note (required):") }
        term.type("sim check")
        term.press(.enter)
        await waitForScreen(term, clock, "the stored review", rounds: 3_000) {
            $0.contains("stored \(Review.label(1))")
        }
        let opened = await reviews.opened
        #expect(opened.count == 1 && opened.first?.note == "sim check" && opened.first?.operator == "bob")
        #expect(opened.first?.metrics.count == 1)

        term.press(.escape, .char("q"))
        _ = await running.value
        #expect(term.restored)
        looping.cancel()
        await looping.value
        #expect(await feed.status() == .finished)
    }
}
