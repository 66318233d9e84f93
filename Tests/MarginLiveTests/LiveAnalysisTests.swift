import Foundation
import Testing
import ThreadTestSupport

@testable import MarginCore
@testable import MarginLive

/// Issue 11, item 2: the live engine keeps every account's distance to liquidation and
/// liquidation prices current, near accounts every pass and the rest in rotation.
@Suite struct LiveAnalysisTests {
    /// The distances (or, with `prices`, the liquidation prices) of `accounts` in `snap` equal
    /// ``BatchAnalyzer``'s at `state` (bit for bit; NaN = none).
    static func expectMatches(
        _ snap: LiveSnapshot, _ accounts: [Int], at state: PriceState, prices: Bool = false,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        let expected = BatchAnalyzer(book: snap.marginBook).analyze(
            accounts, at: state, liquidationPrices: prices, threads: 1)
        for (k, a) in accounts.enumerated() {
            let d = snap.accounts.distance[a]
            if prices {
                #expect(
                    snap.accounts.liquidationPrices.prices(ofAccount: a) == expected[k].prices,
                    "\(snap.accounts.ids[a]) liquidation prices", sourceLocation: sourceLocation)
            } else {
                #expect(
                    expected[k].distance.map { $0.bitPattern == d.bitPattern } ?? d.isNaN,
                    "\(snap.accounts.ids[a]): \(d) vs \(String(describing: expected[k].distance))",
                    sourceLocation: sourceLocation)
            }
        }
    }

    /// Every distance at the prices of the step it was analysed in, every account's liquidation
    /// prices at those of the step they were searched in.
    static func expectMatches(_ snap: LiveSnapshot, pricesAt: [Double: PriceState]) throws {
        for prices in [false, true] {
            let time = prices ? snap.accounts.liquidationPrices.analysedAt : snap.accounts.analysedAt
            for (t, accounts) in Dictionary(grouping: 0..<snap.accounts.count, by: { time[$0] }) {
                let state = try #require(pricesAt[t], "analysed at a step's time")
                expectMatches(snap, accounts.sorted(), at: state, prices: prices)
            }
        }
    }

    func randomTicks(_ rng: inout SplitMix64, _ book: Book, _ prices: PriceState, time: Double) -> [PriceUpdate] {
        var out: [PriceUpdate] = []
        for (a, asset) in book.assets.enumerated() where asset.stable != true && rng.nextUnit() < 0.5 {
            let p = prices.assetPrice[a] * (1 + 0.02 * rng.nextNormal())
            out.append(PriceUpdate(symbol: asset.name, kind: .index, value: p, exchangeTime: time))
        }
        return out
    }

    /// After every step of a synchronous run (as a replay runs) each account's distance and
    /// liquidation prices are those of the batch analysis at the prices of the step they were
    /// analysed in, and neither is older than the rotation's cycle plus a step.
    @Test func everyAccountMatchesTheBatchAnalysisAndTheAgeBoundHolds() async throws {
        // Standard and portfolio accounts (es scenario searches are slow in a debug build).
        var book = DemoBook.generate(accounts: 40, seed: 5)
        for a in book.accounts.indices { book.accounts[a].model = a % 3 == 0 ? .portfolio : .standard }
        let t0 = book.asOf.epochSeconds
        let clock = ManualClock(start: t0)
        var config = LiveConfig()
        config.analysis.mode = .synchronous
        config.analysis.minChunk = 4
        config.analysis.cycleSeconds = 1
        let engine = LiveEngine(book: book, config: config, now: clock.now)
        var rng = SplitMix64(seed: 42)
        var pricesAt: [Double: PriceState] = [:]
        var sawRotation = false
        for _ in 0..<20 {
            clock.advance(by: .milliseconds(100))
            let now = clock.now
            await engine.submit(randomTicks(&rng, book, await engine.currentPrices(), time: now), receivedAt: now)
            _ = await engine.step(now: now)
            pricesAt[now] = await engine.currentPrices()
            let snap = await engine.snapshot(now: now)
            let ages = (snap.accounts.analysedAt + snap.accounts.liquidationPrices.analysedAt).map { now - $0 }
            #expect(ages.allSatisfy { $0 <= config.analysis.cycleSeconds + 0.1 + 1e-9 }, "\(ages.max() ?? 0)")
            if ages.contains(where: { $0 > 0 }) { sawRotation = true }
            // The batch analysis on a thread of its own, not the concurrency pool the async tests need.
            let prices = pricesAt
            try await offThread { try Self.expectMatches(snap, pricesAt: prices) }
        }
        #expect(sawRotation, "the rotation leaves some accounts for later steps")
    }

    /// A book of far accounts and one, A, that a 20% drop in BTC brings within 6% of
    /// liquidation: the step that applies the drop re-analyses A (judged near at the new
    /// prices) although the rotation, one account a step, is elsewhere.
    @Test func anAccountPushedNearByATickIsReanalysedInThatStep() async throws {
        // Long 2 BTC-PERP at 60000 (MM 1%): liquidated where usdc + 2(P - 60000) = 0.02 P.
        func account(_ id: String, usdc: Double) -> String {
            """
            {"id": "\(id)", "collateral": [{"asset": "USDC", "amount": \(usdc)}],
             "positions": [{"instrument": "BTC-PERP", "quantity": 2, "entryPrice": 60000}]}
            """
        }
        let far = (0..<40).map { account("F\($0)", usdc: 60000 + Double($0)) }
        let book = try BookDecoder.decode(
            """
            {"format": "margintop.book/1", "asOf": "2026-11-24T12:00:00Z",
             "assets": {"USDC": {"stable": true}, "BTC": {"price": 60000, "vol": 0.5}},
             "instruments": {"BTC-PERP": {"kind": "perpetual", "underlying": "BTC",
                             "brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]}},
             "accounts": [\(([account("A", usdc: 30000)] + far).joined(separator: ","))]}
            """)
        let t0 = book.asOf.epochSeconds
        var config = LiveConfig()
        config.advanceTime = false
        config.analysis.mode = .synchronous
        config.analysis.minChunk = 1
        config.analysis.cycleSeconds = 1e6
        let engine = LiveEngine(book: book, config: config, now: t0)
        _ = await engine.step(now: t0 + 1)
        var snap = await engine.snapshot(now: t0 + 1)
        // A: liquidated at 90000 / 1.98 = 45454.5, -24% away; far accounts about -50%.
        #expect(abs(snap.accounts.distance[0] - (90000 / 1.98 / 60000 - 1)) < 1e-9)
        #expect(snap.accounts.analysedAt.allSatisfy { $0 == t0 + 1 })
        await engine.submit(
            [PriceUpdate(symbol: "BTC", kind: .index, value: 48000, exchangeTime: t0 + 2)], receivedAt: t0 + 2)
        _ = await engine.step(now: t0 + 2)
        snap = await engine.snapshot(now: t0 + 2)
        #expect(snap.accounts.analysedAt[0] == t0 + 2)
        #expect(snap.accounts.liquidationPrices.analysedAt[0] == t0 + 1, "its liquidation prices wait for the rotation")
        let state = await engine.currentPrices()
        try await offThread { [snap] in Self.expectMatches(snap, [0], at: state) }
        #expect(abs(snap.accounts.distance[0] - (90000 / 1.98 / 48000 - 1)) < 1e-9)
        // Besides A only the rotation's one account was analysed.
        #expect(snap.accounts.analysedAt.filter { $0 == t0 + 2 }.count == 2)
    }

    /// Whether `a` is liquidatable at `snap`'s prices: its distance is then 0, stamped with the
    /// snapshot's time.
    static func liquidatable(_ snap: LiveSnapshot, _ a: Int) -> Bool {
        Health.isLiquidatable(
            adjustedEquity: snap.accounts.adjustedEquity[a], maintenanceMargin: snap.accounts.maintenanceMargin[a])
    }

    /// Every account was analysed at `time` (a liquidatable one: at the snapshot's own time).
    static func allAnalysed(_ snap: LiveSnapshot, at time: Double, except: Int? = nil) -> Bool {
        (0..<snap.accounts.count).allSatisfy { a in
            a == except || snap.accounts.analysedAt[a] == (liquidatable(snap, a) ? snap.time : time)
        }
    }

    /// 30 standard demo accounts, their book's time, and a background analysis that starts a
    /// pass at every step (prices do not age by themselves).
    static func backgroundSetup() -> (Book, Double, LiveConfig) {
        var book = DemoBook.generate(accounts: 30, seed: 8)
        for a in book.accounts.indices { book.accounts[a].model = .standard }
        var config = LiveConfig()
        config.advanceTime = false
        config.analysis.minPassInterval = 0
        return (book, book.asOf.epochSeconds, config)
    }

    /// In the background the rotation renews distances on every visit but liquidation prices
    /// only once they are `liquidationPriceMaxAge` old: with 10 s, passes at t1…t5 price the
    /// accounts once (at t2, their second visit); with 0, at every visit.
    @Test(arguments: [10.0, 0.0])
    func rotationRenewsLiquidationPricesOnceTheyAreOld(maxAge: Double) async throws {
        let (book, t0, setup) = Self.backgroundSetup()
        var config = setup
        config.analysis.liquidationPriceMaxAge = maxAge
        let engine = LiveEngine(book: book, config: config, now: t0)
        for t in 1...6 {
            _ = await engine.step(now: t0 + Double(t))
            await engine.waitForAnalysis()
        }
        let snap = await engine.snapshot(now: t0 + 6)
        let visited = (0..<30).filter { !Self.liquidatable(snap, $0) && snap.accounts.analysedAt[$0] == t0 + 5 }
        #expect(visited.count > 10, "\(visited.count) accounts analysed by the last pass")
        let pricedAt = visited.map { snap.accounts.liquidationPrices.analysedAt[$0] }
        #expect(pricedAt.allSatisfy { $0 == (maxAge > 0 ? t0 + 2 : t0 + 5) }, "\(pricedAt.map { $0 - t0 })")
    }

    /// The rotation's order: accounts never analysed first, then margin ratio descending (none,
    /// i.e. infinite, first), ties by index; the same as sorting by that comparison.
    @Test func rotationOrderIsNeverAnalysedThenRiskiestFirst() {
        var book = DemoBook.generate(accounts: 600, seed: 4)
        // Ties: empty accounts (ratio none) and copies (equal ratios).
        for a in stride(from: 0, to: 600, by: 50) { book.accounts[a].subaccounts = [] }
        for a in stride(from: 1, to: 600, by: 40) { book.accounts[a + 1].subaccounts = book.accounts[a].subaccounts }
        let live = LiveBook(book: book, now: book.asOf.epochSeconds)
        live.analyse(Array(stride(from: 0, to: 600, by: 3)), now: book.asOf.epochSeconds, liquidationPrices: false)
        let r = live.results
        let table = AnalysisTable(
            book: live.marginBook, generation: 1, now: 0, marginRatio: { r.marginRatio($0) },
            carried: (live.analysis, (0..<600).map { $0 }))
        let ratio = (0..<600).map { r.marginRatio($0).isNaN ? .infinity : r.marginRatio($0) }
        let want = (0..<600).sorted { a, b in
            let (na, nb) = (table.analysedAt[a] == -.infinity, table.analysedAt[b] == -.infinity)
            if na != nb { return na }
            return ratio[a] != ratio[b] ? ratio[a] > ratio[b] : a < b
        }
        #expect(table.order.map { Int($0) } == want)
        #expect(Set(ratio).count < 590 && ratio.contains(.infinity))
    }

    /// In the background an account liquidatable when a pass is planned is not analysed, but its
    /// distance, 0, is recorded as of that pass: an account that hovers at `AE = MM` (liquidatable
    /// at every plan, not at the moment the age is read) is as old as the last pass, not as its
    /// last analysis.
    @Test func aPassStampsTheLiquidatableAccountsItLeaves() async throws {
        let (book, t0, config) = Self.backgroundSetup()
        let engine = LiveEngine(book: book, config: config, now: t0)
        let snap = await engine.snapshot(now: t0)
        let liquidatable = (0..<30).filter { Self.liquidatable(snap, $0) }
        #expect(!liquidatable.isEmpty)
        for t in 1...3 {
            _ = await engine.step(now: t0 + Double(t))
            await engine.waitForAnalysis()
            let table = await engine.analysisTable
            for a in liquidatable {
                #expect(table.distance[a] == 0 && table.analysedAt[a] == t0 + Double(t), "account \(a) at t\(t)")
            }
        }
    }

    /// The pace a background pass is sized by is its own time on its thread, not the time until
    /// a step took it: steps far apart (a big book's) must not read as a slow analysis, which
    /// shrank every later pass to the minimum chunk.
    @Test func passesAreTimedOnTheirThreadNotBetweenSteps() async throws {
        let (book, t0, config) = Self.backgroundSetup()
        let engine = LiveEngine(book: book, config: config, now: t0)
        _ = await engine.step(now: t0 + 1)
        await engine.waitForAnalysis()
        // An hour of engine time until the step that takes the pass.
        _ = await engine.step(now: t0 + 3601)
        let status = await engine.analysisStatus(now: t0 + 3601)
        let perAccount = try #require(status.secondsPerAccount)
        #expect(perAccount > 0 && perAccount < 3600 / Double(book.accounts.count), "\(perAccount) s an account")
    }

    /// In the background a pass runs off the engine and is merged on a later step; an account's
    /// first analysis is its distance, its next rotation visit adds the liquidation prices; a
    /// pass over a book that was replaced meanwhile is dropped, and unchanged accounts keep their
    /// analyses across a replacement.
    @Test func backgroundPassesMergeAndAPassOverAnOldBookIsDropped() async throws {
        let (original, t0, config) = Self.backgroundSetup()
        var book = original
        let engine = LiveEngine(book: book, config: config, now: t0)
        _ = await engine.step(now: t0 + 1)  // launches a pass over the whole (small) book
        await engine.waitForAnalysis()
        var snap = await engine.snapshot(now: t0 + 1)
        #expect(
            (0..<30).allSatisfy { Self.liquidatable(snap, $0) || snap.accounts.analysedAt[$0] == -.infinity },
            "not merged before a step")
        _ = await engine.step(now: t0 + 2)
        snap = await engine.snapshot(now: t0 + 2)
        #expect(Self.allAnalysed(snap, at: t0 + 1))
        #expect(snap.accounts.liquidationPrices.analysedAt.allSatisfy { $0 == -.infinity })
        let prices = await engine.currentPrices()
        try await offThread { [snap] in Self.expectMatches(snap, Array(0..<30), at: prices) }

        // That step launched the next pass (prices of t0 + 2); the book changes under it:
        // one safe account gets twice its collateral.
        let edited = try #require(
            (0..<30).first { a in
                !Self.liquidatable(snap, a) && book.accounts[a].subaccounts.contains { !$0.collateral.isEmpty }
            })
        for s in book.accounts[edited].subaccounts.indices {
            for c in book.accounts[edited].subaccounts[s].collateral.indices {
                book.accounts[edited].subaccounts[s].collateral[c].amount *= 2
            }
        }
        _ = await engine.replace(book: book, now: t0 + 2.5)
        await engine.waitForAnalysis()
        _ = await engine.step(now: t0 + 3)
        snap = await engine.snapshot(now: t0 + 3)
        #expect(snap.accounts.analysedAt[edited] == -.infinity, "the old book's pass is dropped")
        #expect(Self.allAnalysed(snap, at: t0 + 1, except: edited), "unchanged accounts keep their analyses")
        await engine.waitForAnalysis()
        _ = await engine.step(now: t0 + 4)
        snap = await engine.snapshot(now: t0 + 4)
        #expect(Self.allAnalysed(snap, at: t0 + 3))
        // The carried accounts' second visit searched their liquidation prices; the edited one's first did not.
        let priced = (0..<30).filter { $0 != edited }
        #expect(priced.allSatisfy { snap.accounts.liquidationPrices.analysedAt[$0] == t0 + 3 })
        #expect(snap.accounts.liquidationPrices.analysedAt[edited] == -.infinity)
        let now = await engine.currentPrices()
        try await offThread { [snap] in
            Self.expectMatches(snap, Array(0..<30), at: now)
            Self.expectMatches(snap, priced, at: now, prices: true)
        }
    }
}
