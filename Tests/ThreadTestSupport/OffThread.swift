import Foundation

/// Runs blocking or CPU-bound work (child processes, tmux polling, sockets, fuzz shards) on a
/// thread of its own, so it never occupies the concurrency pool: on 2 cores that pool has 2
/// threads, and holding both starves every async test running beside it.
public func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
