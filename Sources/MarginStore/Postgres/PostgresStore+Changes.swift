/// Changes pushed by `LISTEN`/`NOTIFY`: starting the watcher (``PostgresWatcher``).
extension PostgresStore {
    func startWatcher() async {
        if watch.isRunning { return }
        // The starting point, read now so that a change committed after `changes()` returns is seen.
        let baseline = try? await withConnection { s in
            try await s.scalar("SELECT coalesce(max(seq), 0) FROM change_log") ?? 0
        }
        let ready = AsyncStream<Void>.makeStream()
        let watcher = PostgresWatcher(
            store: self, baseline: baseline, changes: watch.changes, status: watch.status,
            ready: ready.continuation)
        let started = watch.start { await watcher.run() }
        if started {
            // Wait until LISTEN is in place (or the first attempt failed), at most 5 s.
            await withTaskGroup(of: Void.self) { group in
                group.addTask { for await _ in ready.stream { return } }
                group.addTask { try? await Task.sleep(for: .seconds(5)) }
                await group.next()
                group.cancelAll()
            }
        }
    }
}
