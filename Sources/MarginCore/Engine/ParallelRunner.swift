import Dispatch

/// Runs `body(k)` for every `k` in `0..<iterations`, side by side on several threads, and
/// returns once all have run. The analysis's parallel loops go through one, so the live engine
/// can run them on threads of its own (at a lower priority than its loop) instead of Dispatch's.
/// Each `k` writes only its own results: the outcome never depends on the threads.
public protocol ParallelRunner: Sendable {
    func perform(iterations: Int, _ body: @Sendable (Int) -> Void)
}

/// Dispatch's pool (`DispatchQueue.concurrentPerform`): the default.
public struct DispatchRunner: ParallelRunner {
    public init() {}

    public func perform(iterations: Int, _ body: @Sendable (Int) -> Void) {
        DispatchQueue.concurrentPerform(iterations: iterations, execute: body)
    }
}
