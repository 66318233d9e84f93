import Synchronization

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// Time as margintop sees it: `now` in seconds since 1970-01-01T00:00:00Z, and `sleep`.
///
/// Injected everywhere time matters (feeds, the live loop, the store follower, the app loop),
/// so tests drive backoff, watchdogs, replay timing and the dashboard with ``ManualClock``
/// instead of real sleeps. ``SystemClock`` is the only place the wall clock is read.
public protocol MarginClock: Sendable {
    /// The current time, seconds since the epoch.
    var now: Double { get }
    /// Suspends for `duration`; throws `CancellationError` when the task is cancelled.
    func sleep(for duration: Duration) async throws
}

/// The real clock: the system's wall clock and `Task.sleep`.
public struct SystemClock: MarginClock {
    public init() {}

    public var now: Double {
        var ts = timespec()
        clock_gettime(CLOCK_REALTIME, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    public func sleep(for duration: Duration) async throws {
        try await Task.sleep(for: duration)
    }
}

extension Duration {
    /// The duration in seconds as a `Double`.
    public var seconds: Double {
        let c = components
        return Double(c.seconds) + Double(c.attoseconds) * 1e-18
    }

    /// A duration from (finite, non-negative) seconds, rounded to nanoseconds.
    public static func fromSeconds(_ s: Double) -> Duration {
        guard s.isFinite, s > 0 else { return .zero }
        return .nanoseconds(Int64((s * 1e9).rounded()))
    }
}

/// A clock that only moves when told to: ``advance(by:)``.
///
/// Sleepers wake in deadline order as time passes their deadline. ``sleepDurations`` records
/// every requested sleep so tests can assert schedules (backoff, replay gaps) exactly, and
/// ``waitForSleepers(_:timeout:)`` lets a test wait until the code under test is asleep.
public final class ManualClock: MarginClock {
    struct Sleeper {
        var id: Int
        /// Exact offset from the start, so repeated small sleeps add up without rounding drift.
        var deadline: Duration
        var continuation: CheckedContinuation<Void, any Error>
    }

    struct State {
        var start: Double
        var elapsed: Duration = .zero
        var now: Double { start + elapsed.seconds }
        var nextID = 0
        var sleepers: [Sleeper] = []
        var requested: [Duration] = []
    }

    private let state: Mutex<State>

    /// A clock starting at `start` seconds since the epoch (default 2026-01-01T00:00:00Z).
    public init(start: Double = 1_767_225_600) {
        state = Mutex(State(start: start))
    }

    public var now: Double { state.withLock { $0.now } }

    /// Every duration passed to `sleep` so far, in call order.
    public var sleepDurations: [Duration] { state.withLock { $0.requested } }

    /// The number of tasks currently sleeping.
    public var sleeperCount: Int { state.withLock { $0.sleepers.count } }

    public func sleep(for duration: Duration) async throws {
        try Task.checkCancellation()
        let id = state.withLock { s -> Int in
            s.nextID += 1
            return s.nextID
        }
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
                let resumeNow = state.withLock { s -> Bool in
                    s.requested.append(duration)
                    if duration <= .zero { return true }
                    if Task.isCancelled { return true }
                    s.sleepers.append(Sleeper(id: id, deadline: s.elapsed + duration, continuation: continuation))
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            let sleeper = state.withLock { s -> Sleeper? in
                guard let i = s.sleepers.firstIndex(where: { $0.id == id }) else { return nil }
                return s.sleepers.remove(at: i)
            }
            sleeper?.continuation.resume(throwing: CancellationError())
        }
        try Task.checkCancellation()
    }

    /// Moves time forward, waking every sleeper whose deadline has passed.
    public func advance(by duration: Duration) {
        let woken = state.withLock { s -> [Sleeper] in
            s.elapsed += duration
            let now = s.elapsed
            let due = s.sleepers.filter { $0.deadline <= now }.sorted { $0.deadline < $1.deadline }
            s.sleepers.removeAll { $0.deadline <= now }
            return due
        }
        for sleeper in woken { sleeper.continuation.resume() }
    }

    /// Advances exactly to the earliest sleeper's deadline (if any) and wakes it.
    /// Returns the amount of time advanced.
    @discardableResult
    public func advanceToNextSleeper() -> Duration? {
        let delta = state.withLock { s -> Duration? in
            s.sleepers.map(\.deadline).min().map { max(.zero, $0 - s.elapsed) }
        }
        guard let delta else { return nil }
        advance(by: delta)
        return delta
    }

    /// Waits (in real time, polling) until at least `count` tasks sleep on this clock.
    /// Returns false on timeout.
    @discardableResult
    public func waitForSleepers(_ count: Int = 1, timeout: Duration = .seconds(5)) async -> Bool {
        let limit = ContinuousClock.now.advanced(by: timeout)
        while ContinuousClock.now < limit {
            if sleeperCount >= count { return true }
            try? await Task.sleep(for: .milliseconds(2))
        }
        return sleeperCount >= count
    }
}
