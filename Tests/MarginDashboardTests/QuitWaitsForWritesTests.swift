import MarginCore
import MarginDashboard
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Synchronization
import TerminalCore
import Testing

/// Quitting ends the process at once (issue 12, item 10), so the loop must not leave a review write
/// behind: `run` returns only once the store has answered every write in flight.
@MainActor @Suite struct QuitWaitsForWritesTests {
    /// A review service whose writes wait until the test opens the gate.
    final class GatedReviews: ReviewService {
        let inner: InMemoryReviewService
        private let gate = Mutex<[CheckedContinuation<Void, Never>]?>([])
        init(_ inner: InMemoryReviewService) { self.inner = inner }

        func open() {
            let waiting = gate.withLock { g in
                defer { g = nil }
                return g ?? []
            }
            for c in waiting { c.resume() }
        }

        var waiting: Int { gate.withLock { $0?.count ?? 0 } }

        func openReviews(accountIds: [String], note: String, operator op: String, metrics: [ReviewMetrics])
            async throws -> [Int64]
        {
            await withCheckedContinuation { c in
                let now = gate.withLock { g -> Bool in
                    guard g != nil else { return true }
                    g?.append(c)
                    return false
                }
                if now { c.resume() }
            }
            return try await inner.openReviews(accountIds: accountIds, note: note, operator: op, metrics: metrics)
        }
        func listReviews() async throws -> [Review] { try await inner.listReviews() }
        func acknowledge(id: Int64, version: Int, note: String) async throws {
            try await inner.acknowledge(id: id, version: version, note: note)
        }
        func resolve(id: Int64, version: Int, outcome: ReviewOutcome, note: String) async throws {
            try await inner.resolve(id: id, version: version, outcome: outcome, note: note)
        }
    }

    @Test func quitRightAfterConfirmingWaitsForTheStore() async throws {
        let clock = ManualClock(start: Fixtures.now)
        let engine = LiveEngine(book: Fixtures.book(), now: clock.now, clock: { clock.now })
        let inner = InMemoryReviewService(clock: { clock.now })
        let reviews = GatedReviews(inner)
        let term = InMemoryTerminal(rows: 40, cols: 120)
        let (snapshots, publish) = AsyncStream<LiveSnapshot>.makeStream()
        let app = DashboardApp(
            engine: engine, reviews: reviews, options: DashboardOptions(operatorName: "alice", readOnly: false),
            terminal: term, clock: clock)
        let returned = Mutex(false)
        let running = Task {
            let stats = await app.run(snapshots: snapshots)
            returned.withLock { $0 = true }
            return stats
        }
        publish.yield(await engine.snapshot(now: clock.now))
        await waitForScreen(term, clock, "the account table") { $0.contains("ACC-") }

        term.press(.char("L"))
        await waitForScreen(term, clock, "the review dialog") { $0.contains("Note (required):") }
        term.type("call desk")
        term.press(.enter)
        // The write reaches the store (held at the gate); Ctrl-C at once (the dialog ignores q while saving).
        for _ in 0..<2_000 where reviews.waiting == 0 {
            clock.advance(by: .milliseconds(10))
            try await Task.sleep(for: .milliseconds(1))
        }
        #expect(reviews.waiting == 1)
        term.press(.ctrl("c"))
        for _ in 0..<50 { await Task.yield() }
        #expect(!returned.withLock { $0 }, "run returned with a review write still in flight")

        reviews.open()
        _ = await running.value
        #expect(term.restored)
        #expect(await inner.opened.count == 1, "the review confirmed before q is stored")
        publish.finish()
    }
}
