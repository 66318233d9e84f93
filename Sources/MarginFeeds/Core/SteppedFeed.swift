import MarginCore
import Synchronization

/// A feed that can hand its ticks over in exchange-time steps, with backpressure: the next step
/// is not produced until the consumer has finished the previous one and asks again. A replay
/// does this so a post-mortem gives the same events on any machine.
///
/// ```swift
/// if let stepped = feed as? any SteppedFeed, let steps = stepped.steps() {
///     while let step = await steps.next() {
///         await engine.submit(step.ticks, receivedAt: step.time)
///         _ = await engine.step(now: step.time)
///     }
/// }
/// ```
public protocol SteppedFeed: PriceFeed {
    /// The exchange time the steps start from (the first tick's), `nil` when there is no tick.
    var startTime: Double? { get }
    /// Claims stepped mode (the feed starts on the first ``FeedSteps/next()``); `nil` when it
    /// has already started streaming ``ticks()`` or was claimed before. Ticks handed over in
    /// steps are still counted and delivered to any ``ticks()`` listener.
    func steps() -> FeedSteps?
}

/// One step of a stepped feed: the ticks that share one exchange time (or one `step=` bucket).
public struct FeedStep: Sendable, Equatable {
    /// The exchange time of the step: its latest tick's (also each tick's receive time).
    public var time: Double
    /// The ticks the feed accepted, in file order.
    public var ticks: [PriceUpdate]

    public init(time: Double, ticks: [PriceUpdate]) {
        self.time = time
        self.ticks = ticks
    }
}

/// The consumer's end of a stepped feed. ``next()`` both acknowledges the previous step (the
/// producer may go on) and waits for the next one.
public final class FeedSteps: Sendable {
    let handoff: StepHandoff
    private let start: Mutex<(@Sendable () -> Void)?>

    /// - Parameter start: starts the producer; run once, by the first ``next()``.
    init(_ handoff: StepHandoff, start: @escaping @Sendable () -> Void) {
        self.handoff = handoff
        self.start = Mutex(start)
    }

    /// A consumer that lets go stops the producer (it would otherwise wait for an answer forever).
    deinit { handoff.abandon() }

    /// The next step, or `nil` once the feed has finished (ended, stopped) or the calling task is cancelled.
    public func next() async -> FeedStep? {
        let starting = start.withLock { s in
            defer { s = nil }
            return s
        }
        starting?()
        return await handoff.next()
    }
}
