import Foundation
import MarginCore

/// Reconnect delays: exponential with a cap, plus random jitter so many clients do not
/// reconnect in lockstep.
///
/// Delay for attempt `n` (1-based) is `min(maxDelay, initial * multiplier^(n-1))`, then
/// scaled by a uniform factor in `[1 - jitter, 1 + jitter]`.
/// ```swift
/// var backoff = Backoff(initial: .milliseconds(500), maxDelay: .seconds(30), jitter: 0.2, seed: 1)
/// let first = backoff.delay(attempt: 1)   // 0.4 s ... 0.6 s
/// ```
public struct Backoff: Sendable, Equatable {
    public var initial: Duration
    public var multiplier: Double
    public var maxDelay: Duration
    /// Fraction of the delay to randomise, 0 (exact schedule) ... 1.
    public var jitter: Double
    private var rng: SplitMix64

    public init(
        initial: Duration = .milliseconds(500), multiplier: Double = 2, maxDelay: Duration = .seconds(30),
        jitter: Double = 0.2, seed: UInt64 = 0x5EED
    ) {
        self.initial = initial
        self.multiplier = max(1, multiplier)
        self.maxDelay = maxDelay
        self.jitter = min(1, max(0, jitter))
        self.rng = SplitMix64(seed: seed)
    }

    /// The undithered delay for a (1-based) attempt.
    public func baseDelay(attempt: Int) -> Duration {
        let exponent = Double(max(0, attempt - 1))
        let seconds = initial.seconds * Foundation.pow(multiplier, min(exponent, 64))
        return .fromSeconds(min(seconds, maxDelay.seconds))
    }

    /// The delay before a (1-based) attempt, with jitter applied.
    public mutating func delay(attempt: Int) -> Duration {
        let base = baseDelay(attempt: attempt).seconds
        guard jitter > 0 else { return .fromSeconds(base) }
        let u = rng.nextUnit()
        return .fromSeconds(base * (1 - jitter + 2 * jitter * u))
    }
}
