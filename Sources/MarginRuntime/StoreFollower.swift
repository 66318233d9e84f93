import MarginCore
import MarginLive
import MarginStore

/// Keeps a live engine's book in step with the account store. Account changes edit the
/// in-memory book (no reload from the store); a market change or an import reloads it.
/// Changes that arrive together are applied in one recompile, at most every `interval`,
/// so a trading system writing all day never queues up reloads.
final class StoreFollower: Sendable {
    let store: any AccountStore
    private let changes: AsyncStream<StoreChange>
    private let book: Book

    /// `changes` must have been subscribed before `book` was loaded, so nothing falls between.
    init(store: any AccountStore, changes: AsyncStream<StoreChange>, book: Book) {
        self.store = store
        self.changes = changes
        self.book = book
    }

    /// Follows the store until cancelled; reports the state changes each application caused.
    /// `clock` paces the polling; `now` is the loop's time the changes are applied at.
    func run(
        engine: LiveEngine, clock: any MarginClock, now: @Sendable () -> Double, interval: Duration,
        events: @Sendable (LiveEvent) async -> Void
    ) async {
        let inbox = Inbox()
        let changes = self.changes
        let listener = Task { for await c in changes { await inbox.add(c) } }
        defer { listener.cancel() }
        var current = book
        var needsReload = false
        while !Task.isCancelled {
            try? await clock.sleep(for: interval)
            let batch = await inbox.drain()
            guard !batch.isEmpty || needsReload else { continue }
            if !needsReload, let edited = current.applying(batch) {
                current = edited
            } else {
                // A failed reload (store down) is tried again on the next round.
                guard let fresh = try? await store.loadBook() else {
                    needsReload = true
                    continue
                }
                current = fresh
                needsReload = false
            }
            let changed = await engine.replace(book: current, now: now())
            if !changed.isEmpty { await events(.stateChanges(changed)) }
        }
    }

    private actor Inbox {
        var changes: [StoreChange] = []
        func add(_ c: StoreChange) { changes.append(c) }
        func drain() -> [StoreChange] {
            defer { changes = [] }
            return changes
        }
    }
}
