import Testing

@testable import MarginCore

/// Black-76, rate 0. Reference values were computed independently with mpmath at
/// 40 digits in Python (ncdf/npdf and the textbook formulas), not with this code:
///   bs(60000, 60000, 0.5, 0.6, call), bs(60000, 55000, 0.25, 0.8, put), bs(3000, 3500, 90/365, 0.7, call)
/// Greeks are also checked against finite differences of the price.
@Suite struct Black76Tests {
    struct Ref: Sendable {
        var call: Bool, f: Double, k: Double, t: Double, sigma: Double
        var price: Double, delta: Double, gamma: Double, vega: Double, theta: Double
    }

    static let refs = [
        Ref(
            call: true, f: 60000, k: 60000, t: 0.5, sigma: 0.6, price: 10079.758285641809, delta: 0.58399798571368174,
            gamma: 1.5323251759039221e-5, vega: 165.49111899762358, theta: -27.20401956125319),
        Ref(
            call: false, f: 60000, k: 55000, t: 0.25, sigma: 0.8, price: 6826.6559276645475, delta: -0.3381459623589463,
            gamma: 1.5235038131035005e-5, vega: 109.69227454345205, theta: -48.084284731376242),
        Ref(
            call: true, f: 3000, k: 3500, t: 90.0 / 365, sigma: 0.7, price: 241.26569560799593,
            delta: 0.39370273345614327,
            gamma: 0.00036891241106365939, vega: 5.7307763581669822, theta: -2.2286352503982708),
    ]

    @Test(arguments: 0..<3)
    func priceAndGreeksMatchIndependentValues(_ n: Int) {
        let r = Black76Tests.refs[n]
        expectClose(
            Black76.price(isCall: r.call, f: r.f, k: r.k, t: r.t, sigma: r.sigma), r.price, rel: 1e-12, abs: 1e-9,
            "price")
        let g = Black76.greeks(isCall: r.call, f: r.f, k: r.k, t: r.t, sigma: r.sigma)
        expectClose(g.delta, r.delta, rel: 1e-12, abs: 1e-12, "delta")
        expectClose(g.gamma, r.gamma, rel: 1e-12, abs: 1e-15, "gamma")
        expectClose(g.vega, r.vega, rel: 1e-12, abs: 1e-12, "vega")
        expectClose(g.theta, r.theta, rel: 1e-12, abs: 1e-12, "theta")
    }

    @Test(arguments: 0..<3)
    func greeksAgreeWithFiniteDifferences(_ n: Int) {
        let r = Black76Tests.refs[n]
        func p(_ f: Double, _ t: Double, _ s: Double) -> Double {
            Black76.price(isCall: r.call, f: f, k: r.k, t: t, sigma: s)
        }
        let g = Black76.greeks(isCall: r.call, f: r.f, k: r.k, t: r.t, sigma: r.sigma)
        let h = r.f * 1e-4
        expectClose(
            g.delta, (p(r.f + h, r.t, r.sigma) - p(r.f - h, r.t, r.sigma)) / (2 * h), rel: 1e-6, abs: 1e-8, "delta")
        expectClose(
            g.gamma, (p(r.f + h, r.t, r.sigma) - 2 * p(r.f, r.t, r.sigma) + p(r.f - h, r.t, r.sigma)) / (h * h),
            rel: 1e-4, abs: 1e-10, "gamma")
        expectClose(
            g.vega, (p(r.f, r.t, r.sigma + 1e-5) - p(r.f, r.t, r.sigma - 1e-5)) / 2e-5 / 100, rel: 1e-6, abs: 1e-8,
            "vega")
        let dt = 1e-6
        expectClose(
            g.theta, -(p(r.f, r.t + dt, r.sigma) - p(r.f, r.t - dt, r.sigma)) / (2 * dt) / 365, rel: 1e-5, abs: 1e-8,
            "theta")
    }

    @Test func putCallParityAtRateZero() {
        let c = Black76.price(isCall: true, f: 61000, k: 58000, t: 0.3, sigma: 0.55)
        let p = Black76.price(isCall: false, f: 61000, k: 58000, t: 0.3, sigma: 0.55)
        expectClose(c - p, 61000 - 58000, rel: 1e-12, "C - P = F - K")
    }

    @Test func expiredOrZeroVolIsIntrinsicWithPayoffGreeks() {
        #expect(Black76.price(isCall: true, f: 61000, k: 60000, t: 0, sigma: 0.5) == 1000)
        #expect(Black76.price(isCall: false, f: 61000, k: 60000, t: 0.5, sigma: 0) == 0)
        #expect(Black76.price(isCall: false, f: 59000, k: 60000, t: -1, sigma: 0.5) == 1000)
        #expect(Black76.price(isCall: false, f: -100, k: 60000, t: 0.5, sigma: 0.5) == 60100)
        #expect(Black76.greeks(isCall: true, f: 61000, k: 60000, t: 0, sigma: 0.5) == Black76.Greeks(delta: 1))
        #expect(Black76.greeks(isCall: true, f: 59000, k: 60000, t: 0, sigma: 0.5) == Black76.Greeks(delta: 0))
        #expect(Black76.greeks(isCall: true, f: 60000, k: 60000, t: 0, sigma: 0.5) == Black76.Greeks(delta: 0.5))
        #expect(Black76.greeks(isCall: false, f: 59000, k: 60000, t: 0.5, sigma: 0) == Black76.Greeks(delta: -1))
        #expect(Black76.greeks(isCall: false, f: 61000, k: 60000, t: 0.5, sigma: 0) == Black76.Greeks(delta: 0))
        #expect(Black76.greeks(isCall: false, f: 60000, k: 60000, t: 0, sigma: 0.5) == Black76.Greeks(delta: -0.5))
    }

    @Test func accountGreeksSumPerUnderlyingWithSpotDelta() throws {
        // 2 BTC spot + 1 BTC-PERP short + 3 long C60; ETH-PERP isolated (left out); USDC is stable (no entry).
        let book = try testBook(
            accounts: """
                [{"id": "A", "collateral": [{"asset": "USDC", "amount": 1000}, {"asset": "BTC", "amount": 2}],
                  "positions": [{"instrument": "BTC-PERP", "quantity": -1, "entryPrice": 60000},
                                {"instrument": "BTC-C60", "quantity": 3, "entryPrice": 0},
                                {"instrument": "ETH-PERP", "quantity": 5, "entryPrice": 3000, "isolatedCollateral": 100}]}]
                """)
        let c = Computed(book)
        let d = c.detail()
        let t = (book.instruments[2].expiry!.epochSeconds - book.asOf.epochSeconds) / (365 * 86400)
        let g = Black76.greeks(isCall: true, f: 60000, k: 60000, t: t, sigma: 0.6)
        #expect(d.greeks.map(\.asset) == ["BTC"])
        expectClose(d.greeks[0].greeks.delta, 2 - 1 + 3 * g.delta, "delta")
        expectClose(d.greeks[0].greeks.gamma, 3 * g.gamma, rel: 1e-12, abs: 1e-15, "gamma")
        expectClose(d.greeks[0].greeks.vega, 3 * g.vega, "vega")
        expectClose(d.greeks[0].greeks.theta, 3 * g.theta, "theta")
    }
}
