import Foundation

/// Runs blocking work (child processes, tmux polling) on a thread of its own, so it
/// never occupies the concurrency pool: on 2 cores that pool has 2 threads, and
/// blocking both starves every async test running beside it.
func offThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        let thread = Thread { continuation.resume(with: Result { try body() }) }
        thread.stackSize = 8 << 20
        thread.start()
    }
}
