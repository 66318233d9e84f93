import Foundation
import MarginCore
import MarginFeeds
import Synchronization

/// Thrown by ``withTimeout(_:_:)`` and the probes' waits.
public struct TestTimeout: Error, CustomStringConvertible {
    public var what: String
    public var description: String { "timed out waiting for \(what)" }
}

/// Runs `body`, failing with ``TestTimeout`` after `seconds` of real time, so no test hangs.
/// `body` must respond to cancellation (awaiting an unstructured task's value does not).
public func withTimeout<T: Sendable>(
    _ seconds: Double, _ what: String = "operation", _ body: @escaping @Sendable () async throws -> T
) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else { throw TestTimeout(what: what) }
        return value
    }
}

/// Polls `condition` every 2 ms until true or `timeout` (real time) passes.
public func waitUntil(_ what: String, timeout: Double = 20, _ condition: @Sendable () async -> Bool) async throws {
    let limit = ContinuousClock.now.advanced(by: .milliseconds(Int(timeout * 1000)))
    while ContinuousClock.now < limit {
        if await condition() { return }
        try await Task.sleep(for: .milliseconds(2))
    }
    if await condition() { return }
    throw TestTimeout(what: what)
}

/// Records every status a feed reports.
public final class StatusLog: Sendable {
    private let task: Task<Void, Never>

    public init(_ feed: any PriceFeed) {
        let stream = feed.statuses()
        let box = Box()
        task = Task {
            for await status in stream { box.append(status) }
        }
        self.box = box
    }

    private let box: Box

    final class Box: Sendable {
        let values = Mutex<[FeedStatus]>([])
        func append(_ s: FeedStatus) { values.withLock { $0.append(s) } }
    }

    /// Statuses so far, in order.
    public var all: [FeedStatus] { box.values.withLock { $0 } }

    /// Waits until some status satisfies `predicate`, searching from index `from`; returns its index.
    @discardableResult
    public func wait(
        for what: String, from: Int = 0, timeout: Double = 20, _ predicate: @escaping @Sendable (FeedStatus) -> Bool
    ) async throws -> Int {
        let limit = ContinuousClock.now.advanced(by: .milliseconds(Int(timeout * 1000)))
        repeat {
            let values = all
            if from < values.count, let i = values[from...].firstIndex(where: predicate) { return i }
            try await Task.sleep(for: .milliseconds(2))
        } while ContinuousClock.now < limit
        throw TestTimeout(what: "status \(what) (seen: \(all))")
    }

    public func cancel() { task.cancel() }
}

/// Collects every tick a feed delivers.
public final class TickCollector: Sendable {
    final class Box: Sendable {
        let values = Mutex<[PriceUpdate]>([])
        let finished = Mutex(false)
    }
    private let box = Box()
    private let task: Mutex<Task<Void, Never>?> = Mutex(nil)

    public init(_ feed: any PriceFeed) {
        let stream = feed.ticks()
        let box = self.box
        let t = Task {
            for await tick in stream { box.values.withLock { $0.append(tick) } }
            box.finished.withLock { $0 = true }
        }
        task.withLock { $0 = t }
    }

    public var ticks: [PriceUpdate] { box.values.withLock { $0 } }
    public var count: Int { box.values.withLock { $0.count } }

    /// Waits until at least `count` ticks arrived.
    public func wait(count: Int, timeout: Double = 20) async throws {
        try await waitUntil("\(count) ticks (have \(self.count))", timeout: timeout) { self.count >= count }
    }

    /// Waits until the feed's tick stream ended.
    public func waitFinished(timeout: Double = 30) async throws {
        try await waitUntil("tick stream end", timeout: timeout) { self.box.finished.withLock { $0 } }
    }

    public func cancel() { task.withLock { $0?.cancel() } }
}

/// A value behind a lock, for sharing results between test tasks.
public final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>
    public init(_ value: Value) { mutex = Mutex(value) }
    public func get() -> Value { mutex.withLock { $0 } }
    public func set(_ value: Value) { mutex.withLock { $0 = value } }
}
