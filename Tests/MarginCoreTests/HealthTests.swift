import Testing

@testable import MarginCore

/// Section 4 and 6: states, isolated buckets, distance, liquidation prices, priority, default management.
@Suite struct HealthTests {
    @Test(arguments: [
        // (E, AE, MM) -> state, with warn 0.70 and danger 0.90
        (100.0, 100.0, 69.99, AccountState.safe),
        (100, 100, 70, .warning),
        (100, 100, 89.99, .warning),
        (100, 100, 90, .danger),
        (100, 100, 99.99, .danger),
        (100, 100, 100, .liquidatable),
        (100, 0, 5, .liquidatable),
        (100, -5, 0, .liquidatable),
        (0, 0, 0, .safe),
        (-0.01, -10, 0, .bankrupt),
        (-1, 50, 60, .bankrupt),
    ])
    func stateBoundaries(_ e: Double, _ ae: Double, _ mm: Double, _ expected: AccountState) {
        #expect(Health.state(equity: e, adjustedEquity: ae, maintenanceMargin: mm, warn: 0.7, danger: 0.9) == expected)
    }

    @Test func emptyAccountIsSafeWithNullRatio() throws {
        let c = Computed(try testBook(accounts: #"[{"id": "E"}]"#))
        let d = c.detail()
        #expect(d.state == .safe)
        #expect(d.marginRatio == nil)
        #expect(d.distanceToLiquidation == nil)
        #expect(d.liquidationPrices.isEmpty)
    }

    @Test func isolatedBucketStandsApartFromThePool() throws {
        // Pool: 10000 USDC, nothing else. Bucket: 20 ETH-PERP at entry 3100, C = 8000:
        // AE_iso = 8000 + 20*(3000-3100) = 6000; MM_iso = 60000*0.0125 = 750; mr 0.125.
        // Liquidation: 8000 + 20(P - 3100) = 0.25 P -> P = 54000/19.75.
        let c = Computed(
            try testBook(
                accounts: """
                    [{"id": "A", "collateral": [{"asset": "USDC", "amount": 10000}],
                      "positions": [{"instrument": "ETH-PERP", "quantity": 20, "entryPrice": 3100, "isolatedCollateral": 8000}]}]
                    """))
        let d = c.detail()
        expectClose(d.metrics.equity, 10000, "pool E ignores the bucket")
        #expect(d.metrics.maintenanceMargin == 0)
        #expect(d.buckets.count == 1)
        let b = d.buckets[0]
        expectClose(b.metrics.adjustedEquity, 6000, "AE_iso")
        expectClose(b.metrics.maintenanceMargin, 750, "MM_iso")
        expectClose(b.marginRatio, 0.125, "mr")
        #expect(b.state == .safe && b.subaccount == "main" && b.instrument == "ETH-PERP")
        expectClose(b.liquidationPrice, 54000 / 19.75, "liquidation price")
        #expect(d.greeks.isEmpty, "isolated positions carry no Greeks into the account")
        #expect(d.liquidationPrices.isEmpty, "only pooled exposure is searched")
    }

    @Test func bucketLossNeverTouchesThePool() throws {
        // A bankrupt bucket (E_iso = 100 + 10*(3000-3100) = -900) leaves the pool safe and out of the shortfall.
        let c = Computed(
            try testBook(
                accounts: """
                    [{"id": "A", "collateral": [{"asset": "USDC", "amount": 10000}],
                      "positions": [{"instrument": "ETH-PERP", "quantity": 10, "entryPrice": 3100, "isolatedCollateral": 100}]}]
                    """))
        let d = c.detail()
        #expect(d.state == .safe)
        #expect(d.buckets[0].state == .bankrupt)
        #expect(c.results.summary(accountCount: 1).shortfall == 0)
    }

    @Test func distanceOfALeveragedPerpMatchesItsClosedForm() throws {
        // Long 2 BTC-PERP at entry = mark = 60000, 20000 USDC:
        // AE(m) = 20000 + 120000 m; MM(m) = 120000 (1+m) * 0.01 (bracket 1 while N <= 250000).
        // AE = MM at m = (1200 - 20000) / (120000 - 1200) = -0.15824915824915825. No upside liquidation.
        let c = Computed(
            try testBook(
                accounts: """
                    [{"id": "A", "collateral": [{"asset": "USDC", "amount": 20000}],
                      "positions": [{"instrument": "BTC-PERP", "quantity": 2, "entryPrice": 60000}]}]
                    """))
        let d = c.detail()
        let m = (1200.0 - 20000) / (120000 - 1200)
        expectClose(d.distanceToLiquidation, m, rel: 1e-12, "distance")
        #expect(d.liquidationPrices.map(\.asset) == ["BTC"])
        expectClose(d.liquidationPrices[0].price, 60000 * (1 + m), rel: 1e-12, "liquidation price")
        // A short is liquidated by an up-move: AE(m) = 20000 - 120000 m = 1200 (1+m) -> m = 18800/121200.
        let s = Computed(
            try testBook(
                accounts: """
                    [{"id": "A", "collateral": [{"asset": "USDC", "amount": 20000}],
                      "positions": [{"instrument": "BTC-PERP", "quantity": -2, "entryPrice": 60000}]}]
                    """))
        expectClose(s.detail().distanceToLiquidation, 18800 / 121200.0, rel: 1e-12, "upside distance")
    }

    @Test func alreadyLiquidatableIsDistanceZeroAndLiquidationPriceIsTheRecovery() throws {
        // Long 2 at 60000 with 1000 USDC: AE = 1000 < MM = 1200. Recovers at AE = MM: 1000 + 2(X-60000) = 0.02X.
        let c = Computed(
            try testBook(
                accounts: """
                    [{"id": "A", "collateral": [{"asset": "USDC", "amount": 1000}],
                      "positions": [{"instrument": "BTC-PERP", "quantity": 2, "entryPrice": 60000}]}]
                    """))
        let d = c.detail()
        #expect(d.state == .liquidatable)
        #expect(d.distanceToLiquidation == 0)
        expectClose(d.liquidationPrices[0].price, 119000 / 1.98, rel: 1e-12, "recovery price")
    }

    @Test func liquidationPriceOfAMultiAssetAccount() throws {
        // Long 2 BTC-PERP, long 20 ETH-PERP (entry 3000), 30000 USDC.
        // BTC alone: 30000 + 2(X - 60000) = 0.02 X + 750 -> X = 90750 / 1.98.
        // ETH alone: 30000 + 20(Y - 3000) = 1200 + 0.25 Y -> Y = 31200 / 19.75.
        let c = Computed(
            try testBook(
                accounts: """
                    [{"id": "A", "collateral": [{"asset": "USDC", "amount": 30000}],
                      "positions": [{"instrument": "BTC-PERP", "quantity": 2, "entryPrice": 60000},
                                    {"instrument": "ETH-PERP", "quantity": 20, "entryPrice": 3000}]}]
                    """))
        let d = c.detail()
        #expect(d.liquidationPrices.map(\.asset) == ["BTC", "ETH"])
        expectClose(d.liquidationPrices[0].price, 90750 / 1.98, rel: 1e-12, "BTC")
        expectClose(d.liquidationPrices[1].price, 31200 / 19.75, rel: 1e-12, "ETH")
        // All prices together: 30000 + 120000 m + 60000 m = (1200 + 750)(1+m) -> m = -28050/178050.
        expectClose(d.distanceToLiquidation, -28050 / 178050.0, rel: 1e-12, "distance")
    }

    @Test func stableAssetsNeverMove() throws {
        // Only stable collateral and a borrow: nothing moves, so no distance and no liquidation price.
        let c = Computed(
            try testBook(
                accounts: """
                    [{"id": "A", "collateral": [{"asset": "USDC", "amount": 1000}, {"asset": "USDC", "amount": -900}]}]
                    """))
        #expect(c.detail().distanceToLiquidation == nil)
        #expect(c.detail().liquidationPrices.isEmpty)
    }

    @Test func priorityOrder() throws {
        let ids = ["C", "A", "B", "E", "F", "D", "G"]
        let r = BookResults(unitCount: ids.count)
        func put(_ u: Int, e: Double, ae: Double, mm: Double) {
            r.store(
                u, UnitMetrics(equity: e, adjustedEquity: ae, initialMargin: mm, maintenanceMargin: mm), warn: 0.7,
                danger: 0.9)
        }
        put(0, e: 100, ae: 100, mm: 50)  // C: safe, mr 0.5, MM 50
        put(1, e: 100, ae: 100, mm: 120)  // A: liquidatable, mr 1.2
        put(2, e: -10, ae: -20, mm: 30)  // B: bankrupt, mr infinite
        put(3, e: 0, ae: 0, mm: 0)  // E: empty, mr infinite (null = first of its group)
        put(4, e: 100, ae: 100, mm: 95)  // F: danger, mr 0.95
        put(5, e: 200, ae: 200, mm: 100)  // D: safe, mr 0.5, MM 100 (ahead of C by MM)
        put(6, e: 100, ae: 100, mm: 50)  // G: same as C, after it by id
        let order = r.priorityOrder(accountCount: ids.count, ids: ids).map { ids[$0] }
        #expect(order == ["B", "A", "E", "F", "D", "C", "G"])
    }

    @Test func defaultManagement() throws {
        // Two bankrupt accounts: E = 1000 - 2*(60000-50000)... shortfall totals against an insurance fund of 1000.
        let book = try testBook(
            accounts: """
                [{"id": "A", "collateral": [{"asset": "USDC", "amount": 1000}],
                  "positions": [{"instrument": "BTC-PERP", "quantity": 1, "entryPrice": 61500}]},
                 {"id": "B", "collateral": [{"asset": "USDC", "amount": 100}],
                  "positions": [{"instrument": "BTC-PERP", "quantity": -1, "entryPrice": 59800}]},
                 {"id": "C", "collateral": [{"asset": "USDC", "amount": 5000}]}]
                """)
        let snap = try Snapshot.compute(book: book)
        // A: E = 1000 - 1500 = -500; B: E = 100 - 200 = -100. Shortfall 600 vs fund 1000: no socialized loss.
        #expect(snap.counts[.bankrupt] == 2)
        expectClose(snap.shortfall, 600, "shortfall")
        #expect(snap.socializedLoss == 0)
        // Priority: A and B are bankrupt with AE = -500 and -100 <= 0, so both have mr infinite (null); both have
        // MM = |1| * 60000 * 0.01 = 600: a full tie broken by id ascending, A before B. C (AE 5000, MM 0) is safe, last.
        #expect(snap.rows.map(\.id) == ["A", "B", "C"])
        var big = book
        big.insuranceFund = 250
        let s2 = try Snapshot.compute(book: big)
        expectClose(s2.socializedLoss, 350, "socialized loss")
    }

    @Test func bankruptAccountsWithInfiniteRatioAreOrderedByMMThenId() throws {
        // Same mr (infinite: AE <= 0 for A, B, D); MM decides before the id:
        //   A: long 1 at 61500, 1000 USDC: E = AE = 1000 + 1*(60000-61500) = -500; MM = 60000 * 0.01 = 600.
        //   B: short 2 at 59800, 100 USDC: E = AE = 100 - 2*(60000-59800) = -300; MM = 120000 * 0.01 = 1200.
        //   D: short 2 at 59900, 100 USDC: E = AE = 100 - 2*(60000-59900) = -100; MM = 1200 (ties B, after it by id).
        //   C: 5000 USDC only: safe (MM 0, mr null) but not in the liquidatable/bankrupt group, so last.
        // Order: B (1200), D (1200, id after B), A (600), C. Shortfall 500 + 300 + 100 = 900 vs fund 1000: no loss.
        let book = try testBook(
            accounts: """
                [{"id": "C", "collateral": [{"asset": "USDC", "amount": 5000}]},
                 {"id": "A", "collateral": [{"asset": "USDC", "amount": 1000}],
                  "positions": [{"instrument": "BTC-PERP", "quantity": 1, "entryPrice": 61500}]},
                 {"id": "D", "collateral": [{"asset": "USDC", "amount": 100}],
                  "positions": [{"instrument": "BTC-PERP", "quantity": -2, "entryPrice": 59900}]},
                 {"id": "B", "collateral": [{"asset": "USDC", "amount": 100}],
                  "positions": [{"instrument": "BTC-PERP", "quantity": -2, "entryPrice": 59800}]}]
                """)
        let snap = try Snapshot.compute(book: book)
        #expect(snap.counts[.bankrupt] == 3)
        expectClose(snap.shortfall, 900, "shortfall")
        #expect(snap.socializedLoss == 0)
        #expect(snap.rows.map(\.id) == ["B", "D", "A", "C"])
    }
}

@Suite struct DemoBookTests {
    /// 25M up to 200 accounts, then 125k per account.
    @Test func insuranceFundGrowsWithTheBook() {
        #expect(DemoBook.generate(accounts: 50, seed: 1).insuranceFund == 25_000_000)
        #expect(DemoBook.generate(accounts: 200, seed: 1).insuranceFund == 25_000_000)
        #expect(DemoBook.generate(accounts: 1_000, seed: 1).insuranceFund == 125_000_000)
    }

    @Test func demoBookIsValidDeterministicAndSpreadOverEveryState() throws {
        let a = DemoBook.generate(accounts: 400, seed: 7)
        let b = DemoBook.generate(accounts: 400, seed: 7)
        #expect(a == b)
        #expect(DemoBook.generate(accounts: 50, seed: 8) != DemoBook.generate(accounts: 50, seed: 9))
        _ = try BookDecoder.decode(BookEncoder.encode(a))
        let c = Computed(a)
        let (counts, _) = c.results.summary(accountCount: 400)
        // Every state of spec section 4; `error` (a figure that is not finite) never happens in a valid book.
        for s in AccountState.allCases where s != .error {
            #expect((counts[s] ?? 0) > 0, "demo book has \(s.name) accounts")
        }
        #expect(counts[.error] == 0)
        let models = Set(a.accounts.compactMap(\.model))
        #expect(models == Set(MarginModel.allCases))
        #expect(a.accounts.contains { $0.subaccounts.count > 1 })
        #expect(a.accounts.contains { $0.subaccounts.contains { $0.collateral.contains { $0.amount < 0 } } })
        #expect(
            a.accounts.contains { $0.subaccounts.contains { $0.positions.contains { $0.isolatedCollateral != nil } } })
        #expect(a.history?.dates.count == 250)
        #expect(a.assets.contains { $0.stable })
        #expect(Set(a.instruments.map(\.kind)) == Set(InstrumentKind.allCases))
    }
}

@Suite struct StateLayoutTests {
    /// `Health.state` builds the state from its 0...4 code by bit cast: pin the layout it relies on.
    @Test func stateTagIsTheDeclarationIndex() {
        #expect(MemoryLayout<AccountState>.size == 1)
        for s in AccountState.allCases {
            #expect(unsafeBitCast(UInt8(s.rawValue), to: AccountState.self) == s)
        }
    }
}

@Suite struct PriorityOrderTests {
    /// The radix-sorted order equals a plain comparison sort by the spec's rules (`precedes`),
    /// on books full of ties: equal ratios, equal MM, infinite ratios, -0 and +0 MM.
    @Test(arguments: [1, 2, 7, 1_000, 20_000])
    func radixOrderMatchesTheRules(_ n: Int) {
        var rng = SystemRandomNumberGenerator()
        let r = BookResults(unitCount: n)
        let ratios: [Double] = [0, 0.3, 0.7, 0.9, 0.95, 1.0, 1.5]
        let margins: [Double] = [-0.0, 0, 100, 250, 1000]
        for u in 0..<n {
            let mm = margins.randomElement(using: &rng) ?? 0
            let kind = Int.random(in: 0..<10, using: &rng)
            // Negative AE (infinite ratio) for some, else AE chosen to hit one of the ratios exactly.
            let ratio = ratios.randomElement(using: &rng) ?? 0
            let ae = kind == 0 ? -50 : (mm == 0 || ratio == 0 ? 500 : mm / ratio)
            let e = kind == 1 ? -10 : ae + 1
            r.store(
                u, UnitMetrics(equity: e, adjustedEquity: ae, initialMargin: mm, maintenanceMargin: mm), warn: 0.7,
                danger: 0.9)
        }
        let ids = (0..<n).map { "ACC-\(String(format: "%06d", ($0 * 7919) % max(n, 1)))-\($0)" }
        let expected = (0..<n).sorted { r.precedes($0, $1, ids: ids) }
        #expect(r.priorityOrder(accountCount: n, ids: ids) == expected)
    }

    /// Ratios that differ only in their last bits share the top 32 bits of their keys: the
    /// run is ordered by the whole key, then MM and id, as the rules say.
    @Test(arguments: [50, 5_000])
    func ratiosEqualButForTheirLastBits(_ n: Int) {
        var rng = SplitMix64(seed: UInt64(n))
        let r = BookResults(unitCount: n)
        for u in 0..<n {
            let mm = [100.0, 250, 1000][Int(rng.next() % 3)]
            var ratio = 0.93
            for _ in 0..<Int(rng.next() % 40) { ratio = ratio.nextUp }
            if rng.next() % 4 == 0 { ratio = 0.4 + Double(rng.next() % 1000) * 1e-12 }
            r.store(
                u, UnitMetrics(equity: 1e6, adjustedEquity: mm / ratio, initialMargin: mm, maintenanceMargin: mm),
                warn: 0.7, danger: 0.9)
        }
        let ids = (0..<n).map { "ACC-\(($0 * 7919) % n)-\($0)" }
        let expected = (0..<n).sorted { r.precedes($0, $1, ids: ids) }
        #expect(r.priorityOrder(accountCount: n, ids: ids) == expected)
    }
}
