import NIOConcurrencyHelpers

/// A store's change and status streams and the one watcher task that feeds them.
final class ChangeWatch: Sendable {
    let changes = Broadcaster<StoreChange>()
    let status = Broadcaster<StoreStatus>(replayLast: true)
    private let task = NIOLockedValueBox<Task<Void, Never>?>(nil)

    var isRunning: Bool { task.withLockedValue { $0 != nil } }

    /// Starts `run` as the watcher unless one runs already; returns whether it started it.
    /// `run` must not hold on to this object (capture ``changes`` and ``status`` instead).
    @discardableResult
    func start(_ run: @escaping @Sendable () async -> Void) -> Bool {
        task.withLockedValue { t in
            guard t == nil else { return false }
            t = Task { await run() }
            return true
        }
    }

    /// Stops the watcher, waits for it, and ends both streams (status `down: closed` last).
    func stop() async {
        let t = task.withLockedValue { t -> Task<Void, Never>? in
            defer { t = nil }
            return t
        }
        t?.cancel()
        await t?.value
        changes.finish()
        status.yield(.down(reason: "closed"))
        status.finish()
    }

    deinit {
        task.withLockedValue { $0?.cancel() }
    }
}
