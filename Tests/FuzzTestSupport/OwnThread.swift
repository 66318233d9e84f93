import Foundation

/// Runs CPU-bound `body` (a fuzz shard) on a thread of its own and returns its result. On
/// 2 cores Swift's concurrency pool has 2 threads: two shards run as tasks would hold both for
/// the whole run (a minute and more in a debug build), and every async test beside them (the live
/// loop's, the feeds') would wait that long.
public func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        let thread = Thread { continuation.resume(returning: body()) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
