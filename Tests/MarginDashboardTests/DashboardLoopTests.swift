import MarginCore
import MarginDashboard
import MarginLive
import MarginTUI
import MarginTUITestSupport
import TerminalCore
import Testing

/// The whole dashboard loop on an in-memory terminal and a manual clock: snapshots from a live engine
/// stepped by the test, keys typed through the terminal, reviews into an in-memory service.
@MainActor @Suite struct DashboardLoopTests {
    @Test func reviewOfAMarkedAccountIsStoredAndShown() async throws {
        let clock = ManualClock(start: Fixtures.now)
        let book = Fixtures.book()
        let engine = LiveEngine(book: book, now: clock.now, clock: { clock.now })
        let reviews = InMemoryReviewService(clock: { clock.now })
        let term = InMemoryTerminal(rows: 40, cols: 120)
        let (snapshots, publish) = AsyncStream<LiveSnapshot>.makeStream()
        let app = DashboardApp(
            engine: engine, reviews: reviews, options: DashboardOptions(operatorName: "alice", readOnly: false),
            terminal: term, clock: clock)
        let running = Task { await app.run(snapshots: snapshots) }

        // Prices fall; the engine applies them at the feed's receive time and a snapshot is published.
        for k in 1...3 {
            let t = clock.now
            await engine.submit(
                [PriceUpdate(symbol: "BTC", kind: .index, value: 60_000 * (1 - 0.01 * Double(k)), exchangeTime: t)],
                receivedAt: t)
            _ = await engine.step(now: t)
            publish.yield(await engine.snapshot(now: t))
        }
        let snap = await engine.snapshot(now: clock.now)
        let first = snap.accounts.ids[snap.priority[0]]
        await waitForScreen(term, clock, "the account table") { $0.contains(first) }

        // Mark the top account, open the review, type a note, confirm.
        term.press(.char(" "), .char("L"))
        await waitForScreen(term, clock, "the review dialog") { $0.contains("Note (required):") }
        term.type("call desk")
        term.press(.enter)
        await waitForScreen(term, clock, "the stored review") { $0.contains("stored \(Review.label(1))") }

        let opened = await reviews.opened
        #expect(opened.count == 1)
        #expect(opened.first?.ids == [1])
        #expect(opened.first?.note == "call desk")
        #expect(opened.first?.operator == "alice")
        #expect(opened.first?.metrics.map(\.accountId) == [first])
        let rows = await reviews.rows
        #expect(rows.map(\.account) == [first])

        // Any key closes the dialog; q quits and restores the terminal.
        term.press(.escape, .char("q"))
        let stats = await running.value
        #expect(term.restored)
        #expect(stats.snapshots == 3)
        #expect(stats.frames == term.frames)
        publish.finish()
    }
}
