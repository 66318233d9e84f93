import Foundation

/// Black-76 with rate 0: prices and Greeks per contract (spec section 1).
public enum Black76 {
    @inline(__always) public static func cdf(_ x: Double) -> Double { 0.5 * erfc(-x * 0.7071067811865476) }
    @inline(__always) public static func pdf(_ x: Double) -> Double { exp(-0.5 * x * x) * 0.3989422804014327 }

    /// Price of a call or put on forward `f`; intrinsic when `t <= 0`, `sigma <= 0` or `f <= 0`.
    @inline(__always)
    public static func price(isCall: Bool, f: Double, k: Double, t: Double, sigma: Double) -> Double {
        if t <= 0 || sigma <= 0 || f <= 0 {
            return isCall ? Swift.max(f - k, 0) : Swift.max(k - f, 0)
        }
        let sd = sigma * t.squareRoot()
        let d1 = (log(f / k) + 0.5 * sd * sd) / sd
        let d2 = d1 - sd
        return isCall ? f * cdf(d1) - k * cdf(d2) : k * cdf(-d2) - f * cdf(-d1)
    }

    /// ``price(isCall:f:k:t:sigma:)`` with `sd = sigma * sqrt(t) > 0` and `logMoneyness = log(f / k)`
    /// given, for many prices of one option (the scenario grids): `f <= 0` is intrinsic.
    @inline(__always)
    static func price(isCall: Bool, f: Double, k: Double, sd: Double, logMoneyness: Double) -> Double {
        if f <= 0 { return isCall ? Swift.max(f - k, 0) : Swift.max(k - f, 0) }
        let d1 = (logMoneyness + 0.5 * sd * sd) / sd
        let d2 = d1 - sd
        return isCall ? f * cdf(d1) - k * cdf(d2) : k * cdf(-d2) - f * cdf(-d1)
    }

    public struct Greeks: Sendable, Equatable {
        public var delta = 0.0, gamma = 0.0, vega = 0.0, theta = 0.0
        public init(delta: Double = 0, gamma: Double = 0, vega: Double = 0, theta: Double = 0) {
            self.delta = delta
            self.gamma = gamma
            self.vega = vega
            self.theta = theta
        }
    }

    /// Greeks per contract: vega per vol point, theta per calendar day.
    /// At `t <= 0` or `sigma <= 0` the Greeks of the payoff (delta 1/0, 0.5 at the money).
    public static func greeks(isCall: Bool, f: Double, k: Double, t: Double, sigma: Double) -> Greeks {
        if t <= 0 || sigma <= 0 || f <= 0 {
            let d: Double = f > k ? 1 : (f < k ? 0 : 0.5)
            return Greeks(delta: isCall ? d : d - 1)
        }
        let st = t.squareRoot()
        let sd = sigma * st
        let d1 = (log(f / k) + 0.5 * sd * sd) / sd
        let nd1 = pdf(d1)
        return Greeks(
            delta: isCall ? cdf(d1) : cdf(d1) - 1,
            gamma: nd1 / (f * sd),
            vega: f * nd1 * st / 100,
            theta: -f * nd1 * sigma / (2 * st) / 365)
    }
}
