import Foundation
import Testing

@testable import MarginCore

/// An independent Black-76 (rate 0) for hand-checked expectations; deliberately not the engine's `Black76`.
/// N(x) = erfc(-x / sqrt 2) / 2; intrinsic value when T <= 0 or sigma <= 0 or F <= 0.
private func refBlack76(call: Bool, f: Double, k: Double, t: Double, sigma: Double) -> Double {
    if t <= 0 || sigma <= 0 || f <= 0 { return call ? max(f - k, 0) : max(k - f, 0) }
    func cdf(_ x: Double) -> Double { 0.5 * erfc(-x / 2.0.squareRoot()) }
    let sd = sigma * t.squareRoot()
    let d1 = (log(f / k) + sigma * sigma * t / 2) / sd
    let d2 = d1 - sd
    return call ? f * cdf(d1) - k * cdf(d2) : k * cdf(-d2) - f * cdf(-d1)
}

/// Section 3.2: the 16 SPAN scenarios, option repricing, collateral inside, SOM.
@Suite struct PortfolioModelTests {
    /// Long 1 BTC-PERP at a 60000 mark, scan 0.15: scenario P&L = 60000 * move * counts.
    @Test func eachOfTheSixteenScenariosOfAPerpetual() throws {
        let book = try testBook(
            accounts: """
                [{"id": "A", "model": "portfolio", "collateral": [{"asset": "USDC", "amount": 20000}],
                  "positions": [{"instrument": "BTC-PERP", "quantity": 1, "entryPrice": 60000}]}]
                """)
        let c = Computed(book)
        let q = Quotes(market: c.marginBook.market)
        q.update(PriceState(book: book))
        let i = c.marginBook.market.instrumentIndex["BTC-PERP"]!
        // s = 0.15: moves 0, ±0.05, ±0.10, ±0.15 (each at +v and -v), then ±0.45 at 35%.
        let expected: [Double] = [
            0, 0, 3000, 3000, -3000, -3000, 6000, 6000, -6000, -6000, 9000, 9000, -9000, -9000,
            60000 * 0.45 * 0.35, -60000 * 0.45 * 0.35,
        ]
        for j in 0..<16 { expectClose(q.risk[i * 16 + j], expected[j], "scenario \(j + 1)") }
        // SR = max(0, max -PnL) = 9450 (the 35% extreme cover beats the 9000 of scenario 14).
        expectClose(c.metrics().maintenanceMargin, 9450, "MM")
        expectClose(c.metrics().initialMargin, 1.25 * 9450, "IM")
        expectClose(c.metrics().adjustedEquity, 20000, "AE")
    }

    @Test func optionsAreRepricedUnderPriceAndVolShocksWithTheVolFloor() throws {
        // Short 1 C60 (iv 0.05, so -v = -0.10 hits the 0.01 floor in every -v scenario; value_now unfloored).
        let book = try testBook(
            accounts: """
                [{"id": "A", "model": "portfolio", "collateral": [{"asset": "USDC", "amount": 50000}],
                  "positions": [{"instrument": "C", "quantity": -1, "entryPrice": 0}]}]
                """,
            instruments: """
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

    /// Each of the 16 risk-array entries of two options, scenario by scenario, against an independent Black-76.
    /// T = (2027-05-25T12:00Z - 2026-11-24T12:00Z) / 365 d = (6 + 31 + 31 + 28 + 31 + 30 + 25) / 365 = 182/365.
    /// BTC: F = 60000, s = 0.15, v = 0.10, extremeMultiple 3, extremeCover 0.35. Scenario j (1-based):
    ///   1,2 move 0 vol +v,-v; 3,4 +0.05; 5,6 -0.05; 7,8 +0.10; 9,10 -0.10; 11,12 +0.15; 13,14 -0.15 (each +v then -v);
    ///   15 +0.45 vol +0 at 35%; 16 -0.45 vol +0 at 35%.  risk_j = count_j * (B76(F(1+move_j), max(0.01, iv + vol_j)) - B76(F, iv)).
    /// "CL" is a call K 65000 with iv 0.05: every -v scenario has 0.05 - 0.10 < 0.01 and is floored at 0.01, and the
    /// +v ones use 0.15. "PH" is a put K 55000 with iv 0.60: +v = 0.70, -v = 0.50 (no floor).
    @Test func eachOfTheSixteenScenariosOfAnOption() throws {
        let book = try testBook(
            accounts: """
                [{"id": "A", "model": "portfolio", "collateral": [{"asset": "USDC", "amount": 50000}],
                  "positions": [{"instrument": "CL", "quantity": -2, "entryPrice": 0}]}]
                """,
            instruments: """
                {"CL": {"kind": "option", "underlying": "BTC", "right": "call", "strike": 65000,
                        "expiry": "2027-05-25T12:00:00Z", "iv": 0.05},
                 "PH": {"kind": "option", "underlying": "BTC", "right": "put", "strike": 55000,
                        "expiry": "2027-05-25T12:00:00Z", "iv": 0.60}}
                """)
        let c = Computed(book)
        let q = Quotes(market: c.marginBook.market)
        q.update(PriceState(book: book))
        let t = 182.0 / 365
        let scenarios: [(move: Double, vol: Double, count: Double)] = [
            (0, 0.10, 1), (0, -0.10, 1), (0.05, 0.10, 1), (0.05, -0.10, 1), (-0.05, 0.10, 1), (-0.05, -0.10, 1),
            (0.10, 0.10, 1), (0.10, -0.10, 1), (-0.10, 0.10, 1), (-0.10, -0.10, 1),
            (0.15, 0.10, 1), (0.15, -0.10, 1), (-0.15, 0.10, 1), (-0.15, -0.10, 1),
            (0.45, 0, 0.35), (-0.45, 0, 0.35),
        ]
        func expected(call: Bool, k: Double, iv: Double) -> [Double] {
            let now = refBlack76(call: call, f: 60000, k: k, t: t, sigma: iv)
            return scenarios.map { sc in
                sc.count
                    * (refBlack76(call: call, f: 60000 * (1 + sc.move), k: k, t: t, sigma: max(0.01, iv + sc.vol)) - now)
            }
        }
        let call = expected(call: true, k: 65000, iv: 0.05)
        let put = expected(call: false, k: 55000, iv: 0.60)
        // The +v and -v entries must differ, or the order would not be pinned.
        for j in stride(from: 0, to: 14, by: 2) {
            #expect(abs(call[j] - call[j + 1]) > 1, "call +v/-v differ in scenarios \(j + 1), \(j + 2)")
            #expect(abs(put[j] - put[j + 1]) > 1, "put +v/-v differ in scenarios \(j + 1), \(j + 2)")
        }
        let ci = c.marginBook.market.instrumentIndex["CL"]!
        let pi = c.marginBook.market.instrumentIndex["PH"]!
        for j in 0..<16 {
            #expect(close(q.risk[ci * 16 + j], call[j]), "CL scenario \(j + 1): \(q.risk[ci * 16 + j]) vs \(call[j])")
            #expect(close(q.risk[pi * 16 + j], put[j]), "PH scenario \(j + 1): \(q.risk[pi * 16 + j]) vs \(put[j])")
        }
        // The account is short 2 CL: PnL_j = -2 * call[j]; SR = max(0, max_j 2 * call[j]); SOM = 0.01 * 2 * 60000 = 1200.
        let sr = max(0, call.map { 2 * $0 }.max()!)
        expectClose(c.metrics().maintenanceMargin, sr + 1200, "MM = SR + SOM")
        expectClose(c.metrics().initialMargin, 1.25 * (sr + 1200), "IM")
        expectClose(c.metrics().equity, 50000 - 2 * refBlack76(call: true, f: 60000, k: 65000, t: t, sigma: 0.05), "E")
    }

    @Test func scannedCollateralMovesInTheScenariosWithoutHaircut() throws {
        // 1 BTC collateral (haircut 0.05 and arbitrum +0.02 ignored) hedged by short 1 BTC-PERP: risk cancels.
        let book = try testBook(
            accounts: """
                [{"id": "A", "model": "portfolio",
                  "collateral": [{"asset": "BTC", "amount": 1, "venue": "arbitrum"}, {"asset": "USDC", "amount": -1000}],
                  "positions": [{"instrument": "BTC-PERP", "quantity": -1, "entryPrice": 60000}]}]
                """)
        let m = Computed(book).metrics()
        expectClose(m.maintenanceMargin, 0, "hedged")
        // WC' = 60000 (no haircut on scanned BTC) + (-1000)*(1.05) (USDC has no scan range: borrow add-on applies).
        expectClose(m.adjustedEquity, 60000 - 1050, "AE")
        // Unhedged: 1 BTC collateral alone loses 60000*0.45*0.35 = 9450 in scenario 16.
        let lone = try testBook(
            accounts: #"[{"id": "A", "model": "portfolio", "collateral": [{"asset": "BTC", "amount": 1}]}]"#)
        expectClose(Computed(lone).metrics().maintenanceMargin, 9450, "collateral scanned")
    }

    @Test func scanningRiskIsPerUnderlyingAndSummed() throws {
        // Long 1 BTC-PERP (SR 9450) and long 10 ETH-PERP at 3000, scan 0.20: extreme 30000*0.6*0.35 = 6300;
        // scenario 14 (-s): 30000*0.2 = 6000. SR_ETH = 6300. A BTC gain cannot offset an ETH loss.
        let book = try testBook(
            accounts: """
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
        let book = try testBook(
            accounts: """
                [{"id": "A", "model": "portfolio", "collateral": [{"asset": "USDC", "amount": 1000}],
                  "positions": [{"instrument": "SC", "quantity": -10, "entryPrice": 0},
                                {"instrument": "BP", "quantity": 1, "entryPrice": 60000}]}]
                """, instruments: instruments, assets: assets)
        expectClose(Computed(book).metrics().maintenanceMargin, 15, "MM = SOM only")
    }

    @Test func volFactorWidensTheScanRange() throws {
        let book = try testBook(
            accounts: """
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
    func book(returns: [Double], quantity: Double = 1, defaults: String = "{}") throws -> Book {
        let dates = (0..<returns.count).map { n in
            String(Timestamp.format(1_700_000_000 + Double(n) * 86400).prefix(10))
        }
        let dj = "[" + dates.map { "\"\($0)\"" }.joined(separator: ",") + "]"
        let rj = "[" + returns.map { JSONWriter.number($0) }.joined(separator: ",") + "]"
        return try testBook(
            accounts: """
                [{"id": "A", "model": "es", "collateral": [{"asset": "USDC", "amount": 100000}, {"asset": "ETH", "amount": 1}],
                  "positions": [{"instrument": "BTC-PERP", "quantity": \(quantity), "entryPrice": 60000}]}]
                """, extra: #", "history": {"dates": \#(dj), "returns": {"BTC": \#(rj)}}"#, defaults: defaults)
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

    @Test func twentyPointHistoryWithDistinctLossesTakesOnlyTheWorst() throws {
        // Long 1 BTC-PERP at 60000: L_n = -60000 r_n. Twenty distinct returns, the worst last (index 19):
        // sorted losses 2400 (r -0.040), 2100 (-0.035), 1800 (-0.030), 1500 (-0.025), ...
        // N = 20: k975 = ceil(20 * 0.025) = ceil(0.5) = 1 and k99 = ceil(20 * 0.01) = ceil(0.2) = 1, so
        // ES975 = VaR99 = L_(1) = 2400 (k = 2 would give ES 2250 and VaR 2100; k = 3, ES 2100).
        // MM = 2400 * sqrt(2) (default horizon 2), IM = 1.25 * MM.
        let r = [
            0.010, -0.020, 0.005, -0.035, 0.015, -0.010, 0.000, -0.025, 0.030, -0.005,
            0.020, -0.015, 0.025, -0.030, 0.012, -0.001, 0.008, -0.012, 0.003, -0.040,
        ]
        #expect(r.count == 20 && Set(r).count == 20)
        let m = Computed(try book(returns: r)).metrics()
        expectClose(m.var99, 2400, "VaR99 = L_(1)")
        expectClose(m.es975, 2400, "ES975 = L_(1)")
        expectClose(m.maintenanceMargin, 2400 * 2.0.squareRoot(), "MM = 2400 sqrt 2")
        expectClose(m.initialMargin, 1.25 * 2400 * 2.0.squareRoot(), "IM = 1.25 MM")
    }

    @Test func fortyOnePointsAverageTheTwoWorstAndScaleByTheHorizon() throws {
        // N = 41: k975 = ceil(41 * 0.025) = ceil(1.025) = 2; k99 = ceil(41 * 0.01) = ceil(0.41) = 1.
        // Returns: -0.05, -0.03, -0.02 (losses 3000, 1800, 1200), then 38 gains 0.001 ... 0.038 (losses -60 ... -2280).
        // ES975 = (3000 + 1800) / 2 = 2400 (k = 1 would give 3000, k = 3 give 2000); VaR99 = L_(1) = 3000.
        // defaults.es gives horizonDays 5 and imMultiplier 1.5: MM = max(0, 2400) * sqrt(5), IM = 1.5 * 2400 * sqrt(5).
        let r = [0.001, -0.03] + (2..<38).map { Double($0) / 1000 } + [-0.05, 0.038, -0.02]
        #expect(r.count == 41 && Set(r).count == 41)
        let m = Computed(try book(returns: r, defaults: #"{"es": {"horizonDays": 5, "imMultiplier": 1.5}}"#)).metrics()
        expectClose(m.es975, 2400, "ES975 = mean(L_(1), L_(2))")
        expectClose(m.var99, 3000, "VaR99 = L_(1)")
        expectClose(m.maintenanceMargin, 2400 * 5.0.squareRoot(), "MM = ES * sqrt 5")
        expectClose(m.initialMargin, 1.5 * 2400 * 5.0.squareRoot(), "IM = 1.5 MM")
    }

    @Test func hundredAndOnePointsTakeTheSecondWorstForVaR99() throws {
        // N = 101: k99 = ceil(101 * 0.01) = ceil(1.01) = 2; k975 = ceil(101 * 0.025) = ceil(2.525) = 3.
        // Short 2 BTC-PERP at 60000: L_n = +120000 r_n. Worst returns +0.03, +0.02, +0.01 (losses 3600, 2400, 1200),
        // then 98 falls -0.0001 ... -0.0098 (gains). VaR99 = L_(2) = 2400; ES975 = (3600 + 2400 + 1200) / 3 = 2400.
        // Horizon 1 (defaults.es): MM = 2400 * sqrt(1) = 2400; IM = 1.25 * 2400 = 3000.
        let r = (1...98).map { -Double($0) / 10000 } + [0.01, 0.03, 0.02]
        #expect(r.count == 101 && Set(r).count == 101)
        let m = Computed(try book(returns: r, quantity: -2, defaults: #"{"es": {"horizonDays": 1}}"#)).metrics()
        expectClose(m.var99, 2400, "VaR99 = L_(2)")
        expectClose(m.es975, 2400, "ES975 = mean of 3")
        expectClose(m.maintenanceMargin, 2400, "MM")
        expectClose(m.initialMargin, 3000, "IM")
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
