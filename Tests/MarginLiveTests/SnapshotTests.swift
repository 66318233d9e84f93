import Testing

@testable import MarginCore
@testable import MarginLive

@Suite struct SnapshotTests {
    @Test func historyRingSamplesOncePerSecondWithGapsFilled() {
        var r = HistoryRing()
        r.record(1, at: 100.2)
        r.record(2, at: 100.9)  // same second: replaces
        r.record(3, at: 101.0)
        r.record(4, at: 104.5)  // seconds 102 and 103 repeat the previous value
        r.record(9, at: 90)  // older than the newest: ignored
        #expect(r.samples == [2, 3, 3, 3, 4])
        for k in 0..<1000 { r.record(Double(k), at: 200 + Double(k)) }
        #expect(r.count == HistoryRing.capacity)
        #expect(r.samples.first == 100 && r.samples.last == 999)
    }

    @Test func snapshotCarriesOrderCountsAgesAndHistory() throws {
        let book = DemoBook.generate(accounts: 150, seed: 21)
        let t0 = book.asOf.epochSeconds
        var config = LiveConfig()
        config.advanceTime = false
        let live = LiveBook(book: book, config: config, now: t0)
        for k in 1...10 {
            live.apply(
                [
                    PriceUpdate(
                        symbol: "BTC", kind: .index, value: 60000 - Double(k) * 500, exchangeTime: t0 + Double(k))
                ], now: t0 + Double(k))
            live.sample(now: t0 + Double(k))
        }
        let s = live.snapshot(now: t0 + 12)
        #expect(s.accounts.count == 150)
        #expect(s.priority.count == 150)
        #expect(s.counts.values.reduce(0, +) == 150)
        let btc = s.assets.first { $0.name == "BTC" }!
        #expect(btc.price == 55000 && btc.reference == 60000)
        #expect(btc.history == (1...10).map { 60000 - Double($0) * 500 })
        #expect(btc.age == 2 && !btc.stale)
        let eth = s.assets.first { $0.name == "ETH" }!
        // Never ticked: the book's stored price, of no known age (not as fresh as the start).
        #expect(eth.age == .infinity && eth.stale, "ETH never ticked")
        #expect(s.health.oldestPriceAge == .infinity)
        // Priority: the first account is liquidatable or bankrupt, and the order agrees with the results.
        #expect(s.accounts.state[s.priority[0]] >= .liquidatable)
        // A non-safe account has a margin-ratio history.
        let watched = s.priority[0]
        #expect(live.marginRatioHistory(accountId: s.accounts.ids[watched]).count == 10)
        // Largest exposure names an asset with a positive notional.
        #expect(s.accounts.largestExposure.allSatisfy { $0.asset.isEmpty || $0.notional > 0 })
        #expect(s.accounts.stale.contains(true))
    }
}
