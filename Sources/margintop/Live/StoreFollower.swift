import Foundation
import MarginCore
import MarginLive
import MarginStore

/// Keeps a live engine's book in step with the account store. Account changes edit the
/// in-memory book (no reload from the store); a market change or an import reloads it.
/// Changes that arrive together are applied in one recompile, at most every `interval`
/// seconds, so a trading system writing all day never queues up reloads.
enum StoreFollower {
    /// Follows `changes` (subscribed before `book` was loaded, so nothing falls between) until cancelled;
    /// `report` gets the state changes each application caused.
    static func start(store: any AccountStore, changes: AsyncStream<StoreChange>, book: Book, engine: LiveEngine,
                      interval: Double = 0.5, report: @escaping @Sendable ([StateChange]) async -> Void) -> Task<Void, Never> {
        let inbox = Inbox()
        let listener = Task { for await c in changes { await inbox.add(c) } }
        return Task {
            var current = book
            var needsReload = false
            while !Task.isCancelled {
                try? await Task.sleep(for: .milliseconds(Int(interval * 1000)))
                let batch = await inbox.drain()
                guard !batch.isEmpty || needsReload else { continue }
                if !needsReload, let edited = current.applying(batch) {
                    current = edited
                } else {
                    // A failed reload (store down) is tried again on the next round.
                    guard let fresh = try? await store.loadBook() else { needsReload = true; continue }
                    current = fresh
                    needsReload = false
                }
                await report(await engine.replace(book: current, now: wallClock()))
            }
            listener.cancel()
        }
    }

    private actor Inbox {
        var changes: [StoreChange] = []
        func add(_ c: StoreChange) { changes.append(c) }
        func drain() -> [StoreChange] { defer { changes = [] }; return changes }
    }
}
