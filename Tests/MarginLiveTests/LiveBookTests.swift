import Foundation
import Testing
import ThreadTestSupport

@testable import MarginCore
@testable import MarginLive

@Suite struct LiveBookTests {
    /// A fresh computation of `live`'s book at `live`'s prices.
    func fresh(_ live: LiveBook) -> BookResults {
        let mb = MarginBook(book: live.book)
        let q = Quotes(market: mb.market, portfolio: mb.usesPortfolio, es: mb.usesES)
        q.update(live.prices)
        let r = BookResults(unitCount: mb.unitCount)
        mb.computeAll(q, into: r)
        return r
    }

    func randomUpdate(_ rng: inout SplitMix64, _ book: Book, _ live: LiveBook, time: Double) -> PriceUpdate {
        let pick = rng.nextUnit()
        if pick < 0.6 {
            let a = Int(rng.next() % UInt64(book.assets.count))
            let p = live.prices.assetPrice[a] * (1 + 0.03 * rng.nextNormal())
            return PriceUpdate(symbol: book.assets[a].name, kind: .index, value: p, exchangeTime: time)
        } else if pick < 0.85 {
            let futures = book.instruments.filter { $0.kind != .option }
            let inst = futures[Int(rng.next() % UInt64(futures.count))]
            let a = live.marginBook.market.assetIndex[inst.underlying]!
            return PriceUpdate(
                symbol: inst.name, kind: .mark, value: live.prices.assetPrice[a] * (1 + 0.002 * rng.nextNormal()),
                exchangeTime: time)
        } else {
            let options = book.instruments.filter { $0.kind == .option }
            return PriceUpdate(
                symbol: rng.pick(options).name, kind: .iv, value: 0.3 + rng.nextUnit(), exchangeTime: time)
        }
    }

    /// Item 2 of issue 5: after any sequence of ticks and account changes, the live
    /// numbers equal a fresh computation of the same book and prices, bit for bit.
    /// With `advanceTime` the valuation time moves in `timeStep`s, repricing every option in between ticks.
    @Test(arguments: [MarginModel.standard, .portfolio, .es], [false, true])
    func liveEqualsFreshAfterRandomSequences(_ model: MarginModel, _ advanceTime: Bool) async throws {
        // CPU-heavy: on a thread of its own, not the concurrency pool the async tests need.
        try await offThread { try LiveBookTests().propertyRun(model, advanceTime: advanceTime) }
    }

    func propertyRun(_ model: MarginModel, advanceTime: Bool) throws {
        var book = DemoBook.generate(accounts: 120, seed: 11)
        for a in book.accounts.indices { book.accounts[a].model = model }
        let start = book.asOf.epochSeconds
        var config = LiveConfig()
        config.advanceTime = advanceTime
        config.volWarmupTicks = 5
        // Full recomputes split across the cores in small chunks: still bit-identical to one pass.
        config.parallelChunkUnits = 16
        let live = LiveBook(book: book, config: config, now: start)
        var rng = SplitMix64(seed: (advanceTime ? 7 : 99) &+ SplitMix64.gamma)
        var t = start
        var incremental = 0
        for step in 0..<3000 {
            t += 0.05 + rng.nextUnit()
            var batch: [PriceUpdate] = []
            for _ in 0..<(1 + Int(rng.next() % 4)) { batch.append(randomUpdate(&rng, book, live, time: t)) }
            live.apply(batch, now: t)
            if !live.lastWasFull && live.lastRecomputed > 0 { incremental += 1 }
            if step % 250 == 125 {
                // An account change: scale one account's first collateral line, drop another, add one back.
                var b = live.book
                let a = Int(rng.next() % UInt64(b.accounts.count))
                if !b.accounts[a].subaccounts[0].collateral.isEmpty {
                    b.accounts[a].subaccounts[0].collateral[0].amount *= 0.5 + rng.nextUnit()
                }
                let removed = b.accounts.remove(at: (a + 1) % b.accounts.count)
                b.accounts.append(
                    Account(
                        id: removed.id + "-B", name: removed.name, model: removed.model,
                        subaccounts: removed.subaccounts))
                live.replace(book: b, now: t)
            }
            if step % 50 == 0 || step == 2999 {
                let f = fresh(live)
                for u in 0..<live.marginBook.unitCount {
                    #expect(live.results.metrics(u) == f.metrics(u), "step \(step) unit \(u)")
                    #expect(live.results.state[u] == f.state[u], "step \(step) unit \(u) state")
                }
            }
        }
        #expect(live.volFactors.contains { $0 > 1 }, "vol factors moved in \(model)")
        #expect(incremental > 100, "the incremental path ran \(incremental) times")
        if advanceTime {
            #expect(live.prices.asOf > start + 1000, "valuation time advanced to \(live.prices.asOf - start)s")
        }
    }

    /// The valuation time moves in whole `timeStep`s: a tick in between recomputes only its accounts.
    @Test func valuationTimeMovesInSteps() throws {
        let book = DemoBook.generate(accounts: 200, seed: 5)
        let start = book.asOf.epochSeconds
        let live = LiveBook(book: book, config: LiveConfig(), now: start)
        #expect(live.prices.asOf == start)
        let option = try #require(book.instruments.first { $0.kind == .option })
        live.apply(
            [PriceUpdate(symbol: option.name, kind: .iv, value: 0.61, exchangeTime: start + 0.5)], now: start + 0.5)
        #expect(live.prices.asOf == start)
        #expect(
            !live.lastWasFull && live.lastRecomputed > 0 && live.lastRecomputed < 50,
            "recomputed \(live.lastRecomputed)")
        live.apply([], now: start + 0.99)
        #expect(live.prices.asOf == start && live.lastRecomputed == 0)
        live.apply([], now: start + 1.0)
        #expect(live.prices.asOf == start + 1.0)
        #expect(live.lastRecomputed > 50, "every account holding an option: \(live.lastRecomputed)")
    }

    @Test func coalescerKeepsTheLatestPerSymbolAndIsBounded() {
        var c = TickCoalescer()
        for k in 0..<10_000 {
            c.add(
                PriceUpdate(
                    symbol: k % 2 == 0 ? "BTC" : "ETH", kind: .index, value: Double(k + 1), exchangeTime: Double(k)),
                at: .index(asset: k % 2))
            c.add(
                PriceUpdate(symbol: "BTC-PERP", kind: .mark, value: Double(k + 1), exchangeTime: Double(k)),
                at: .mark(instrument: 0))
        }
        #expect(c.pending == 3)
        #expect(c.received == 20_000)
        #expect(c.coalesced == 19_997)
        let out = c.drain()
        #expect(out.map(\.update.symbol) == ["BTC", "BTC-PERP", "ETH"])
        #expect(out.map(\.slot) == [.index(asset: 0), .mark(instrument: 0), .index(asset: 1)])
        #expect(out.map(\.update.value) == [9999, 10000, 10000])
        #expect(c.pending == 0 && c.drain().isEmpty)
    }

    func oneAccount(usdc: Double) throws -> Book {
        // Long 2 BTC-PERP at 60000: MM = 120000 (1+m) * 1%; AE = usdc + 2 (P - 60000).
        try BookDecoder.decode(
            """
            {"format": "margintop.book/1", "asOf": "2026-11-24T12:00:00Z",
             "assets": {"USDC": {"stable": true}, "BTC": {"price": 60000, "vol": 0.5}},
             "instruments": {"BTC-PERP": {"kind": "perpetual", "underlying": "BTC",
                             "brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]}},
             "accounts": [{"id": "A", "collateral": [{"asset": "USDC", "amount": \(usdc)}],
                           "positions": [{"instrument": "BTC-PERP", "quantity": 2, "entryPrice": 60000}]}]}
            """)
    }

    @Test func stateChangesCarryTheirCauseAndHysteresisStopsFlapping() throws {
        // usdc 1600: at P the ratio is 0.02P / (1600 + 2(P - 60000)).
        let book = try oneAccount(usdc: 1600)
        var config = LiveConfig()
        config.advanceTime = false
        let t0 = book.asOf.epochSeconds
        let live = LiveBook(book: book, config: config, now: t0)
        #expect(live.displayed[0] == .warning)  // 1200/1600 = 0.75
        // Down to 59900: AE = 1400, MM = 1198, mr 0.8557 -> still warning.
        #expect(
            live.apply([PriceUpdate(symbol: "BTC", kind: .index, value: 59900, exchangeTime: t0 + 1)], now: t0 + 1)
                .isEmpty)
        // 59840: AE = 1280, MM = 1196.8, mr 0.935 -> danger, with the tick as cause.
        let down = live.apply(
            [PriceUpdate(symbol: "BTC", kind: .index, value: 59840, exchangeTime: t0 + 2)], now: t0 + 2)
        #expect(down.count == 1)
        #expect(down.first?.from == .warning && down.first?.to == .danger && down.first?.accountId == "A")
        #expect(down.first?.cause?.value == 59840)
        expectRatio(down.first?.marginRatio, 1196.8 / 1280)
        // 59865: AE = 1330, MM = 1197.3, mr 0.9002... raw danger; 59870: mr 0.8989 raw warning, but not 0.02 below 0.90: stays danger.
        #expect(
            live.apply([PriceUpdate(symbol: "BTC", kind: .index, value: 59870, exchangeTime: t0 + 3)], now: t0 + 3)
                .isEmpty)
        #expect(live.results.state[0] == .warning && live.displayed[0] == .danger)
        // 59900: mr 0.8557 < 0.88: leaves danger.
        let up = live.apply([PriceUpdate(symbol: "BTC", kind: .index, value: 59900, exchangeTime: t0 + 4)], now: t0 + 4)
        #expect(up.map(\.to) == [.warning])
        // Straight to liquidatable (worsening is immediate): 59500: AE = 600 < MM = 1190.
        let liq = live.apply(
            [PriceUpdate(symbol: "BTC", kind: .index, value: 59500, exchangeTime: t0 + 5)], now: t0 + 5)
        #expect(liq.map(\.to) == [.liquidatable])
        // Recovering to mr 0.99 (raw danger) does not leave liquidatable; below 0.98 it does.
        // mr = 0.02P / (1600 + 2P - 120000) = 0.99 -> P = 118400*0.99/(1.98-0.02) = 59802.04...
        #expect(
            live.apply([PriceUpdate(symbol: "BTC", kind: .index, value: 59803, exchangeTime: t0 + 6)], now: t0 + 6)
                .isEmpty)
        #expect(live.displayed[0] == .liquidatable)
        let out = live.apply(
            [PriceUpdate(symbol: "BTC", kind: .index, value: 59830, exchangeTime: t0 + 7)], now: t0 + 7)
        #expect(out.map(\.to) == [.danger])
    }

    func expectRatio(_ a: Double?, _ b: Double, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(
            a.map { abs($0 - b) < 1e-12 } ?? false, "\(String(describing: a)) vs \(b)", sourceLocation: sourceLocation)
    }

    @Test func badAndUnknownUpdatesAreCountedAndSkipped() throws {
        let book = try oneAccount(usdc: 10000)
        var config = LiveConfig()
        config.advanceTime = false
        let t0 = book.asOf.epochSeconds
        let live = LiveBook(book: book, config: config, now: t0)
        live.apply(
            [
                PriceUpdate(symbol: "BTC", kind: .index, value: .nan, exchangeTime: t0),
                PriceUpdate(symbol: "BTC", kind: .index, value: -1, exchangeTime: t0),
                PriceUpdate(symbol: "BTC", kind: .index, value: 0, exchangeTime: t0),
                PriceUpdate(symbol: "DOGE", kind: .index, value: 1, exchangeTime: t0),
                PriceUpdate(symbol: "BTC-PERP", kind: .iv, value: 0.5, exchangeTime: t0),
            ], now: t0)
        #expect(live.rejected[.badValue] == 3)
        #expect(live.rejected[.unknownSymbol] == 2)
        #expect(live.prices.assetPrice[1] == 60000)
    }

    @Test func volFactorFollowsTheEWMAOfTickReturns() throws {
        // Alternating +1% / -1% moves one hour apart: r^2/dt = (ln 1.01)^2 * 8760 per tick, same for ln(1/1.01).
        // sigma = |ln 1.01| * sqrt(8760) = 0.9313...; vol 0.5 -> factor 1.8626 (under the max of 3).
        let book = try oneAccount(usdc: 1e6)
        var config = LiveConfig()
        config.advanceTime = false
        let t0 = book.asOf.epochSeconds
        let live = LiveBook(book: book, config: config, now: t0)
        var p = 60000.0
        for k in 1...29 {
            p *= k % 2 == 1 ? 1.01 : 1 / 1.01
            live.apply(
                [PriceUpdate(symbol: "BTC", kind: .index, value: p, exchangeTime: t0 + Double(k) * 3600)],
                now: t0 + Double(k) * 3600)
        }
        #expect(live.volFactors[1] == 1, "not warmed up before 30 ticks")
        p *= 1.01
        live.apply(
            [PriceUpdate(symbol: "BTC", kind: .index, value: p, exchangeTime: t0 + 30 * 3600)], now: t0 + 30 * 3600)
        let sigma = abs(log(1.01)) * (365.0 * 24).squareRoot()
        #expect(abs(live.volFactors[1] - sigma / 0.5) < 1e-9, "\(live.volFactors[1]) vs \(sigma / 0.5)")
        // MM carries the factor: 2 * p * 1% * f.
        #expect(abs(live.results.maintenanceMargin[0] - 2 * p * 0.01 * sigma / 0.5) < 1e-6)
    }

    @Test func stalePricesAreMarkedOnTheAccountsThatRestOnThem() throws {
        let book = try oneAccount(usdc: 10000)
        let t0 = book.asOf.epochSeconds
        let live = LiveBook(book: book, now: t0)
        #expect(!live.isStale(account: 0, now: t0 + 5))
        #expect(live.isStale(account: 0, now: t0 + 5.01))
        #expect(live.isStale(asset: 1, now: t0 + 6))
        live.apply([PriceUpdate(symbol: "BTC", kind: .index, value: 60100, exchangeTime: t0 + 6)], now: t0 + 6)
        #expect(!live.isStale(account: 0, now: t0 + 10))
        live.apply([PriceUpdate(symbol: "BTC-PERP", kind: .mark, value: 60110, exchangeTime: t0 + 7)], now: t0 + 7)
        live.apply([PriceUpdate(symbol: "BTC", kind: .index, value: 60120, exchangeTime: t0 + 11)], now: t0 + 11)
        #expect(live.isStale(account: 0, now: t0 + 12.5), "the fed mark stopped at t0+7")
        // A replay carries old exchange times: staleness follows receive time.
        live.apply(
            [
                PriceUpdate(
                    symbol: "BTC", kind: .index, value: 60200, exchangeTime: 1_500_000_000, receiveTime: t0 + 20),
                PriceUpdate(
                    symbol: "BTC-PERP", kind: .mark, value: 60210, exchangeTime: 1_500_000_000, receiveTime: t0 + 20),
            ], now: t0 + 20)
        #expect(!live.isStale(account: 0, now: t0 + 21))
    }

    /// Issue 10 item 11: an isolated bucket on an asset that never ticked is as stale as a
    /// pooled position on it, in the snapshot's table and in ``LiveBook/isStale(account:now:)``.
    @Test func isolatedBucketOnANeverFedAssetIsStale() throws {
        let book = try BookDecoder.decode(
            """
            {"format": "margintop.book/1", "asOf": "2026-11-24T12:00:00Z",
             "assets": {"USDC": {"stable": true}, "BTC": {"price": 60000, "vol": 0.5}, "ETH": {"price": 3000, "vol": 0.6}},
             "instruments": {"BTC-PERP": {"kind": "perpetual", "underlying": "BTC",
                             "brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]},
                             "ETH-PERP": {"kind": "perpetual", "underlying": "ETH",
                             "brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]}},
             "accounts": [{"id": "ISO", "collateral": [{"asset": "USDC", "amount": 10000}],
                           "positions": [{"instrument": "ETH-PERP", "quantity": 2, "entryPrice": 3000,
                                          "isolatedCollateral": 1000}]},
                          {"id": "POOL", "collateral": [{"asset": "USDC", "amount": 10000}],
                           "positions": [{"instrument": "ETH-PERP", "quantity": 2, "entryPrice": 3000}]}]}
            """)
        let t0 = book.asOf.epochSeconds
        var config = LiveConfig()
        config.advanceTime = false
        let live = LiveBook(book: book, config: config, now: t0)
        // BTC keeps ticking; ETH never does.
        for k in 1...10 {
            live.apply(
                [PriceUpdate(symbol: "BTC", kind: .index, value: 60000, exchangeTime: t0 + Double(k))],
                now: t0 + Double(k))
        }
        let s = live.snapshot(now: t0 + 10)
        let iso = try #require(s.accounts.ids.firstIndex(of: "ISO"))
        let pool = try #require(s.accounts.ids.firstIndex(of: "POOL"))
        #expect(s.accounts.stale[pool])
        #expect(s.accounts.stale[iso], "the bucket rests on ETH, which never ticked")
        #expect(s.accounts.dataAge[iso] == .infinity, "ETH's stored price is of no known age (issue 12, item 11)")
        #expect(live.isStale(account: pool, now: t0 + 10))
        #expect(live.isStale(account: iso, now: t0 + 10))
    }

    /// A state change caused by several index ticks in one step names the lowest exposed
    /// asset's tick, whatever order they came in: a replay names the same cause every run (it
    /// was the first of a dictionary's keys, whose order differs from process to process).
    @Test func causeOfAChangeIsTheLowestExposedAsset() throws {
        let text = #"""
            {"format": "margintop.book/1", "asOf": "2026-11-24T12:00:00Z",
             "assets": {"USDC": {"stable": true}, "AAA": {"price": 100, "vol": 0.5}, "BBB": {"price": 100, "vol": 0.5},
                        "CCC": {"price": 100, "vol": 0.5}, "DDD": {"price": 100, "vol": 0.5}}, "instruments": {},
             "accounts": [{"id": "ALL", "collateral": [{"asset": "AAA", "amount": 1}, {"asset": "BBB", "amount": 1},
                                                       {"asset": "CCC", "amount": 1}, {"asset": "DDD", "amount": 1},
                                                       {"asset": "USDC", "amount": -330}]}]}
            """#
        let book = try BookDecoder.decode(text)
        let names = ["DDD", "BBB", "CCC", "AAA"]
        for rotation in 0..<names.count {
            let live = LiveBook(book: book, now: 0)
            let order = Array(names[rotation...] + names[..<rotation])
            let changes = live.apply(
                order.map { PriceUpdate(symbol: $0, kind: .index, value: 60, exchangeTime: 1) }, now: 1)
            let change = try #require(changes.first, "no state change in rotation \(rotation)")
            let lowest = live.marginBook.market.assetNames.filter { names.contains($0) }.first
            #expect(change.cause?.symbol == lowest, "rotation \(rotation): \(String(describing: change.cause))")
        }
    }
}
