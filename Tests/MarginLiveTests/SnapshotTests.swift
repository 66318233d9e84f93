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

    /// An account's margin-ratio history is its own across a recompiled book: it goes on when
    /// the accounts before it change (so its index moves), and a new account starts none.
    @Test func historiesFollowTheirAccountsAcrossABookChange() {
        var book = DemoBook.generate(accounts: 80, seed: 5)
        let t0 = book.asOf.epochSeconds
        let live = LiveBook(book: book, now: t0)
        let id = book.accounts[40].id
        live.track(accountId: id)
        for k in 1...3 { live.sample(now: t0 + Double(k)) }
        let before = live.marginRatioHistory(accountId: id)
        #expect(before.count == 3)
        // Two accounts in front gone, two new ones at the end: as many accounts, every index moved by two.
        var added = book.accounts[0]
        added.id = "zz-new-1"
        var other = book.accounts[1]
        other.id = "zz-new-2"
        book.accounts.removeFirst(2)
        book.accounts.append(contentsOf: [added, other])
        live.replace(book: book, now: t0 + 4)
        #expect(live.marginBook.accountIds[38] == id && live.marginBook.accountCount == 80)
        for k in 4...5 { live.sample(now: t0 + Double(k)) }
        let after = live.marginRatioHistory(accountId: id)
        #expect(after.count == 5 && Array(after.prefix(3)) == before, "\(after)")
        // Its own ratio, at its new index (a ring keeps floats; infinite ratios are kept as 10).
        let mr = live.results.marginRatio(38)
        #expect(after.last == Double(Float(mr.isFinite ? mr : 10)))
        // The added accounts have rings only if they are not safe, and never the moved one's samples.
        for new in ["zz-new-1", "zz-new-2"] { #expect(live.marginRatioHistory(accountId: new).count <= 2) }
    }
}
