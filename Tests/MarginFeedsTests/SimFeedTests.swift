import Foundation
import MarginCore
import MarginFeeds
import MarginFeedsTestSupport
import Testing

@Suite(.timeLimit(.minutes(1)))
struct SimFeedTests {
    @Test func sameSeedSameMarketDifferentSeedDifferent() {
        var a = SimMarket(universe: .demo, seed: 7, dt: 1)
        var b = SimMarket(universe: .demo, seed: 7, dt: 1)
        var c = SimMarket(universe: .demo, seed: 8, dt: 1)
        var differs = false
        for _ in 0..<1000 {
            let x = a.step()
            #expect(x == b.step())
            if x != c.step() { differs = true }
        }
        #expect(differs)
    }

    @Test func marketShapeIsPlausible() throws {
        let universe = SimUniverse.demo
        var market = SimMarket(universe: universe, seed: 1, dt: 60)
        let series = market.series
        let btc = try #require(series.firstIndex { $0.symbol == "BTC" })
        let eth = try #require(series.firstIndex { $0.symbol == "ETH" })
        let usdc = try #require(series.firstIndex { $0.symbol == "USDC" })
        let perp = try #require(series.firstIndex { $0.symbol == "BTC-PERP" })
        let option = try #require(series.firstIndex { $0.symbol == "BTC-27DEC26-60000-C" })
        #expect(series[option].kind == .iv && series[perp].kind == .mark)
        var previous = market.step()
        var rb: [Double] = []
        var re: [Double] = []
        var maxBasis = 0.0
        var ivs: [Double] = []
        var bigMoves = 0
        for _ in 0..<20_000 {  // ~2 weeks of 1-minute steps
            let v = market.step()
            #expect(v[usdc] == 1)
            let r1 = log(v[btc] / previous[btc])
            let r2 = log(v[eth] / previous[eth])
            rb.append(r1)
            re.append(r2)
            maxBasis = max(maxBasis, abs(v[perp] / v[btc] - 1))
            ivs.append(v[option])
            previous = v
        }
        // Correlated.
        let corr = correlation(rb, re)
        #expect(corr > 0.3 && corr < 0.95, "correlation \(corr)")
        // Fat tails: more 5-sigma minutes than a normal distribution would give (~0).
        let sd = (rb.map { $0 * $0 }.reduce(0, +) / Double(rb.count)).squareRoot()
        bigMoves = rb.filter { abs($0) > 5 * sd }.count
        #expect(bigMoves > 0)
        // Marks stay near the index; ivs stay sane and move.
        #expect(maxBasis < 0.05)
        #expect(ivs.allSatisfy { $0 >= 0.05 && $0 <= 5 })
        #expect((ivs.max() ?? 0) - (ivs.min() ?? 0) > 0.02)
        // Every value is a finite positive price.
        #expect(previous.allSatisfy { $0.isFinite && $0 > 0 })
    }

    func correlation(_ a: [Double], _ b: [Double]) -> Double {
        let n = Double(a.count)
        let ma = a.reduce(0, +) / n
        let mb = b.reduce(0, +) / n
        var cov = 0.0
        var va = 0.0
        var vb = 0.0
        for i in a.indices {
            cov += (a[i] - ma) * (b[i] - mb)
            va += (a[i] - ma) * (a[i] - ma)
            vb += (b[i] - mb) * (b[i] - mb)
        }
        return cov / (va * vb).squareRoot()
    }

    /// At rate 500 the feed emits 5 ticks per 10 ms of clock time; the test clock drives it.
    @Test func rateIsPacedOnTheClock() async throws {
        let clock = ManualClock()
        let feed = SimFeed(universe: .demo, options: SimOptions(seed: 7, rate: 500), clock: clock)
        let ticks = TickCollector(feed)
        try await ticks.wait(count: 5)
        #expect(await clock.waitForSleepers(1))
        #expect(ticks.count == 5)
        for _ in 0..<99 {
            #expect(await clock.waitForSleepers(1))
            clock.advance(by: .milliseconds(10))
        }
        try await ticks.wait(count: 500)
        #expect(clock.sleepDurations.allSatisfy { $0 == .milliseconds(10) })
        #expect(await feed.status() == .live)
        #expect(await feed.lastUpdate(symbol: "BTC") == clock.now)
        // Deterministic per seed: the same values as the pure market model.
        var market = SimMarket(universe: .demo, seed: 7, dt: 1 / (500.0 / 11))
        var expected: [Double] = []
        while expected.count < 500 { expected += market.step() }
        #expect(ticks.ticks.prefix(500).map(\.value) == Array(expected.prefix(500)))
        await feed.stop()
        try await ticks.waitFinished()
    }
}
