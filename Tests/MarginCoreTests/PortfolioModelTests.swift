import Testing
@testable import MarginCore

/// Section 3.2: the 16 SPAN scenarios, option repricing, collateral inside, SOM.
@Suite struct PortfolioModelTests {
    /// Long 1 BTC-PERP at a 60000 mark, scan 0.15: scenario P&L = 60000 * move * counts.
    @Test func eachOfTheSixteenScenariosOfAPerpetual() throws {
        let book = try testBook(accounts: """
            [{"id": "A", "model": "portfolio", "collateral": [{"asset": "USDC", "amount": 20000}],
              "positions": [{"instrument": "BTC-PERP", "quantity": 1, "entryPrice": 60000}]}]
            """)
        let c = Computed(book)
        let q = Quotes(market: c.marginBook.market)
        q.update(PriceState(book: book))
        let i = c.marginBook.market.instrumentIndex["BTC-PERP"]!
        // s = 0.15: moves 0, ±0.05, ±0.10, ±0.15 (each at +v and -v), then ±0.45 at 35%.
        let expected: [Double] = [0, 0, 3000, 3000, -3000, -3000, 6000, 6000, -6000, -6000, 9000, 9000, -9000, -9000,
                                  60000 * 0.45 * 0.35, -60000 * 0.45 * 0.35]
        for j in 0..<16 { expectClose(q.risk[i * 16 + j], expected[j], "scenario \(j + 1)") }
        // SR = max(0, max -PnL) = 9450 (the 35% extreme cover beats the 9000 of scenario 14).
        expectClose(c.metrics().maintenanceMargin, 9450, "MM")
        expectClose(c.metrics().initialMargin, 1.25 * 9450, "IM")
        expectClose(c.metrics().adjustedEquity, 20000, "AE")
    }

    @Test func optionsAreRepricedUnderPriceAndVolShocksWithTheVolFloor() throws {
        // Short 1 C60 (iv 0.05, so -v = -0.10 hits the 0.01 floor in every -v scenario; value_now unfloored).
        let book = try testBook(accounts: """
            [{"id": "A", "model": "portfolio", "collateral": [{"asset": "USDC", "amount": 50000}],
              "positions": [{"instrument": "C", "quantity": -1, "entryPrice": 0}]}]
            """, instruments: """
            {"C": {"kind": "option", "underlying": "BTC", "right": "call", "strike": 60000,
                   "expiry": "2027-05-25T12:00:00Z", "iv": 0.05}}
            """)
        let c = Computed(book)
        let t = (book.instruments[0].expiry!.epochSeconds - book.asOf.epochSeconds) / (365 * 86400)
        func v(_ f: Double, _ s: Double) -> Double { Black76.price(isCall: true, f: f, k: 60000, t: t, sigma: s) }
        let now = v(60000, 0.05)
        var worst = 0.0
        let moves = [0.0, 0.05, -0.05, 0.10, -0.10, 0.15, -0.15]
        for m in moves {
            for dv in [0.10, -0.10] {
                let pnl = -(v(60000 * (1 + m), max(0.01, 0.05 + dv)) - now)
                worst = max(worst, -pnl)
            }
        }
        for m in [0.45, -0.45] { worst = max(worst, -(-(v(60000 * (1 + m), 0.05) - now)) * 0.35) }
        // SOM = 0.01 * 1 * 60000 = 600.
        expectClose(c.metrics().maintenanceMargin, worst + 600, "MM = SR + SOM")
        expectClose(c.metrics().equity, 50000 - now, "E")
    }

    @Test func scannedCollateralMovesInTheScenariosWithoutHaircut() throws {
        // 1 BTC collateral (haircut 0.05 and arbitrum +0.02 ignored) hedged by short 1 BTC-PERP: risk cancels.
        let book = try testBook(accounts: """
            [{"id": "A", "model": "portfolio",
              "collateral": [{"asset": "BTC", "amount": 1, "venue": "arbitrum"}, {"asset": "USDC", "amount": -1000}],
              "positions": [{"instrument": "BTC-PERP", "quantity": -1, "entryPrice": 60000}]}]
            """)
        let m = Computed(book).metrics()
        expectClose(m.maintenanceMargin, 0, "hedged")
        // WC' = 60000 (no haircut on scanned BTC) + (-1000)*(1.05) (USDC has no scan range: borrow add-on applies).
        expectClose(m.adjustedEquity, 60000 - 1050, "AE")
        // Unhedged: 1 BTC collateral alone loses 60000*0.45*0.35 = 9450 in scenario 16.
        let lone = try testBook(accounts: #"[{"id": "A", "model": "portfolio", "collateral": [{"asset": "BTC", "amount": 1}]}]"#)
        expectClose(Computed(lone).metrics().maintenanceMargin, 9450, "collateral scanned")
    }

    @Test func scanningRiskIsPerUnderlyingAndSummed() throws {
        // Long 1 BTC-PERP (SR 9450) and long 10 ETH-PERP at 3000, scan 0.20: extreme 30000*0.6*0.35 = 6300;
        // scenario 14 (-s): 30000*0.2 = 6000. SR_ETH = 6300. A BTC gain cannot offset an ETH loss.
        let book = try testBook(accounts: """
            [{"id": "A", "model": "portfolio", "collateral": [{"asset": "USDC", "amount": 100000}],
              "positions": [{"instrument": "BTC-PERP", "quantity": 1, "entryPrice": 60000},
                            {"instrument": "ETH-PERP", "quantity": 10, "entryPrice": 3000}]}]
            """)
        expectClose(Computed(book).metrics().maintenanceMargin, 9450 + 6300, "MM")
    }

    @Test func anUnderlyingWithoutScanRangeHasNoScanningRiskButPaysSOM() throws {
        // SOL has no scanRange: short 10 SOL calls pay only SOM = 0.01 * 10 * 150 = 15; a scanRange of 0 also gives SR 0.
        let assets = """
            {"USDC": {"price": 1, "stable": true}, "BTC": {"price": 60000, "vol": 0.5, "scanRange": 0},
             "SOL": {"price": 150, "vol": 0.9}}
            """
        let instruments = """
            {"SC": {"kind": "option", "underlying": "SOL", "right": "call", "strike": 160, "expiry": "2027-05-25T12:00:00Z"},
             "BP": {"kind": "perpetual", "underlying": "BTC", "brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]}}
            """
        let book = try testBook(accounts: """
            [{"id": "A", "model": "portfolio", "collateral": [{"asset": "USDC", "amount": 1000}],
              "positions": [{"instrument": "SC", "quantity": -10, "entryPrice": 0},
                            {"instrument": "BP", "quantity": 1, "entryPrice": 60000}]}]
            """, instruments: instruments, assets: assets)
        expectClose(Computed(book).metrics().maintenanceMargin, 15, "MM = SOM only")
    }

    @Test func volFactorWidensTheScanRange() throws {
        let book = try testBook(accounts: """
            [{"id": "A", "model": "portfolio", "positions": [{"instrument": "BTC-PERP", "quantity": 1, "entryPrice": 60000}]}]
            """)
        var state = PriceState(book: book)
        state.volFactor[1] = 2
        // s = 0.30: extreme 60000*0.9*0.35 = 18900.
        expectClose(Computed(book, state: state).metrics().maintenanceMargin, 18900, "MM")
    }
}

/// Section 3.3: historical expected shortfall and VaR, index convention, horizon.
@Suite struct ESModelTests {
    func book(returns: [Double], quantity: Double = 1) throws -> Book {
        let dates = (0..<returns.count).map { n in
            String(Timestamp.format(1_700_000_000 + Double(n) * 86400).prefix(10))
        }
        let dj = "[" + dates.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let rj = "[" + returns.map { JSONWriter.number($0) }.joined(separator: ",") + "]"
        return try testBook(accounts: """
            [{"id": "A", "model": "es", "collateral": [{"asset": "USDC", "amount": 100000}, {"asset": "ETH", "amount": 1}],
              "positions": [{"instrument": "BTC-PERP", "quantity": \(quantity), "entryPrice": 60000}]}]
            """, extra: #", "history": {"dates": \#(dj), "returns": {"BTC": \#(rj)}}"#)
    }

    @Test func twentyPointHistoryUsesTheWorstLoss() throws {
        // N = 20: k975 = ceil(20/40) = 1, k99 = ceil(20/100) = 1: both are the worst loss.
        let r = (0..<20).map { n in Double(n % 7 - 3) / 100 }  // worst -0.03 -> loss 1800
        let m = Computed(try book(returns: r)).metrics()
        expectClose(m.var99, 1800, "VaR99")
        expectClose(m.es975, 1800, "ES975")
        expectClose(m.maintenanceMargin, 1800 * 2.0.squareRoot(), "MM = ES * sqrt(2)")
        expectClose(m.initialMargin, 1.25 * 1800 * 2.0.squareRoot(), "IM")
        // ETH has no returns: it keeps its 8% haircut in WC'.
        expectClose(m.adjustedEquity, 100000 + 3000 * 0.92, "AE")
    }

    @Test func twoHundredPointsGiveKOfFiveNotSix() throws {
        // Losses L_n = 60000 * (n+1)/1000 = 60, 120, ..., 12000. k975 = 5 (binary floating point would say 6),
        // k99 = 2. ES = mean(12000, 11940, 11880, 11820, 11760) = 11880; VaR99 = 11940.
        let r = (0..<200).map { n in -Double(n + 1) / 1000 }
        let m = Computed(try book(returns: r)).metrics()
        expectClose(m.es975, 11880, "ES975")
        expectClose(m.var99, 11940, "VaR99")
        expectClose(m.maintenanceMargin, 11880 * 2.0.squareRoot(), "MM")
    }

    @Test func gainsInEveryScenarioGiveNegativeRawESAndZeroMargin() throws {
        let r = (0..<40).map { n in Double(n + 1) / 1000 }
        let m = Computed(try book(returns: r)).metrics()
        // Smallest gain is 60 -> worst "loss" is -60 (k975 = 1, k99 = 1).
        expectClose(m.es975, -60, "ES raw")
        expectClose(m.var99, -60, "VaR raw")
        #expect(m.maintenanceMargin == 0)
    }

    @Test func snapshotModelOverrideWithoutHistoryIsAnInputError() throws {
        let b = try testBook(accounts: #"[{"id": "A"}]"#)
        #expect(throws: BookError.self) { try Snapshot.compute(book: b, model: .es) }
    }
}
