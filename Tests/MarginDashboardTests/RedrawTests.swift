import MarginCore
import MarginDashboard
import MarginLive
import MarginTUI
import MarginTUITestSupport
import TerminalCore
import Testing

/// Full repaints (issue 12, item 6): Ctrl-L and SIGCONT (`fg`) make the loop invalidate the terminal and
/// draw a frame at once.
@MainActor @Suite struct RedrawTests {
    @Test func ctrlLAndContinueRepaintEveryCell() async throws {
        let clock = ManualClock(start: Fixtures.now)
        let engine = LiveEngine(book: Fixtures.book(), now: clock.now, clock: { clock.now })
        let term = InMemoryTerminal(rows: 40, cols: 120)
        let (snapshots, publish) = AsyncStream<LiveSnapshot>.makeStream()
        let app = DashboardApp(
            engine: engine, reviews: InMemoryReviewService(clock: { clock.now }),
            options: DashboardOptions(operatorName: "alice", readOnly: false), terminal: term, clock: clock)
        let running = Task { await app.run(snapshots: snapshots) }
        publish.yield(await engine.snapshot(now: clock.now))
        await waitForScreen(term, clock, "the account table") { $0.contains("ACC-") }
        #expect(term.invalidations == 0)

        let before = term.frames
        term.press(.ctrl("l"))
        #expect(term.invalidations == 1)
        #expect(term.frames == before + 1, "the repaint is drawn at once")

        term.continued()
        #expect(term.invalidations == 2)
        #expect(term.frames == before + 2)
        #expect(term.screen?.text.contains("ACC-") == true)

        term.press(.char("q"))
        _ = await running.value
        #expect(term.restored)
        publish.finish()
    }
}
