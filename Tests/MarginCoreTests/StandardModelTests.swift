import Testing

@testable import MarginCore

/// Section 3.1: tiered brackets, haircuts, add-ons, netting, short options.
@Suite struct StandardModelTests {
    /// BTC-PERP brackets: 250k (2%/1%), 1M (4%/2%), open (10%/5%).
    /// cumM_2 = 250000*(0.02-0.01) = 2500, cumM_3 = 2500 + 1e6*(0.05-0.02) = 32500;
    /// cumI_2 = 250000*(0.04-0.02) = 5000, cumI_3 = 5000 + 1e6*(0.10-0.04) = 65000.
    @Test func bracketsAreContinuousAtEveryBound() throws {
        let m = CompiledMarket(try testBook(accounts: "[]"))
        let btc = m.instrumentIndex["BTC-PERP"]!
        for (n, im, mm) in [
            (100_000.0, 2000.0, 1000.0), (250_000, 5000, 2500), (500_000, 15000, 7500),
            (1_000_000, 35000, 17500), (2_000_000, 135_000, 67500),
        ] {
            let (i, mmv) = m.bracketMargin(instrument: btc, notional: n)
            expectClose(i, im, "IM at \(n)")
            expectClose(mmv, mm, "MM at \(n)")
        }
        for bound in [250_000.0, 1_000_000] {
            let below = m.bracketMargin(instrument: btc, notional: bound.nextDown)
            let at = m.bracketMargin(instrument: btc, notional: bound)
            let above = m.bracketMargin(instrument: btc, notional: bound.nextUp)
            #expect(abs(below.1 - at.1) < 1e-6 && abs(above.1 - at.1) < 1e-6, "MM continuous at \(bound)")
            #expect(abs(below.0 - at.0) < 1e-6 && abs(above.0 - at.0) < 1e-6, "IM continuous at \(bound)")
        }
        // Through an account: 5 BTC at a 50000 mark is exactly the first bound.
        let book = try testBook(
            accounts: #"[{"id": "A", "positions": [{"instrument": "BTC-PERP", "quantity": 5, "entryPrice": 50000}]}]"#)
        var state = PriceState(book: book)
        state.mark[m.instrumentIndex["BTC-PERP"]!] = 50000
        let c = Computed(book, state: state)
        expectClose(c.metrics().maintenanceMargin, 2500, "MM at the bound")
        expectClose(c.metrics().initialMargin, 5000, "IM at the bound")
    }

    @Test func haircutsVenueAndBorrowAddOnsPerLine() throws {
        // WC = 1000*(1-0) + (-500)*(1+0.05) + 1*60000*(1-0.05-0.02) + (-2)*3000*(1+0.12) = 49555
        // MV = 1000 - 500 + 60000 - 6000 = 54500
        let book = try testBook(
            accounts: """
                [{"id": "A", "collateral": [{"asset": "USDC", "amount": 1000, "venue": "deribit"},
                                            {"asset": "USDC", "amount": -500},
                                            {"asset": "BTC", "amount": 1, "venue": "arbitrum"},
                                            {"asset": "ETH", "amount": -2}]}]
                """)
        let m = Computed(book).metrics()
        expectClose(m.adjustedEquity, 49555, "AE")
        expectClose(m.equity, 54500, "E")
        #expect(m.maintenanceMargin == 0 && m.initialMargin == 0)
    }

    @Test func haircutPlusAddOnIsCappedAtOne() throws {
        let book = try testBook(
            accounts: #"[{"id": "A", "collateral": [{"asset": "BTC", "amount": 1, "venue": "arbitrum"}]}]"#,
            assets: """
                {"USDC": {"price": 1, "stable": true}, "BTC": {"price": 60000, "haircut": 0.99, "vol": 0.5},
                 "ETH": {"price": 3000}}
                """)
        let m = Computed(book).metrics()
        expectClose(m.adjustedEquity, 0, "weight 1 - min(1, 0.99 + 0.02) = 0")
        expectClose(m.equity, 60000, "E")
    }

    @Test func perpetualsNetPerInstrumentAcrossSubaccounts() throws {
        // main +3, hedge -1: net 2 BTC, N = 120000 in bracket 1: MM 1200, IM 2400.
        // Stand-alone: main N = 180000 -> 1800, hedge N = 60000 -> 600; benefit = 2400 - 1200 = 1200.
        let book = try testBook(
            accounts: """
                [{"id": "A", "subaccounts": [
                   {"id": "main", "collateral": [{"asset": "USDC", "amount": 100000}],
                    "positions": [{"instrument": "BTC-PERP", "quantity": 3, "entryPrice": 59000}]},
                   {"id": "hedge", "positions": [{"instrument": "BTC-PERP", "quantity": -1, "entryPrice": 61000}]}]}]
                """)
        let c = Computed(book)
        expectClose(c.metrics().maintenanceMargin, 1200, "MM")
        expectClose(c.metrics().initialMargin, 2400, "IM")
        // uPnL = 3*(60000-59000) + (-1)*(60000-61000) = 4000
        expectClose(c.metrics().equity, 104_000, "E")
        expectClose(c.detail().nettingBenefit, 1200, "netting benefit")
    }

    @Test func nettingBenefitCanBeNegative() throws {
        // main +3, hedge +2: pooled N = 300000 in bracket 2: MM = 300000*0.02 - 2500 = 3500.
        // Stand-alone: 180000*0.01 + 120000*0.01 = 3000; benefit = 3000 - 3500 = -500.
        let book = try testBook(
            accounts: """
                [{"id": "A", "subaccounts": [
                   {"id": "main", "collateral": [{"asset": "USDC", "amount": 100000}],
                    "positions": [{"instrument": "BTC-PERP", "quantity": 3, "entryPrice": 60000}]},
                   {"id": "hedge", "positions": [{"instrument": "BTC-PERP", "quantity": 2, "entryPrice": 60000}]}]}]
                """)
        let c = Computed(book)
        expectClose(c.metrics().maintenanceMargin, 3500, "MM")
        expectClose(c.detail().nettingBenefit, -500, "netting benefit")
    }

    @Test func shortCallAndPutMarginWithOutOfTheMoneyAmounts() throws {
        // F = 60000. Short 2 C70: OTM = 70000-60000 = 10000; IM/contract = max(0.15*60000-10000, 0.10*60000) = 6000.
        // Short 3 P50: OTM = 60000-50000 = 10000; IM/contract = 6000. Short 1 C60 (ATM): max(9000, 6000) = 9000.
        // MM/contract = 0.075*60000 = 4500 for each. Long options need none.
        let book = try testBook(
            accounts: """
                [{"id": "A", "collateral": [{"asset": "USDC", "amount": 1000000}],
                  "positions": [{"instrument": "BTC-C70", "quantity": -2, "entryPrice": 0},
                                {"instrument": "BTC-P50", "quantity": -3, "entryPrice": 0},
                                {"instrument": "BTC-C60", "quantity": -1, "entryPrice": 0},
                                {"instrument": "BTC-C60", "quantity": 5, "entryPrice": 0}]}]
                """)
        let c = Computed(book)
        expectClose(c.metrics().initialMargin, 2 * 6000 + 3 * 6000 + 1 * 9000, "IM")
        expectClose(c.metrics().maintenanceMargin, (2 + 3 + 1) * 4500, "MM")
        let t = c.book.instruments[2].expiry!.epochSeconds - c.book.asOf.epochSeconds
        let years = t / (365 * 86400)
        let value =
            -2 * Black76.price(isCall: true, f: 60000, k: 70000, t: years, sigma: 0.6)
            - 3 * Black76.price(isCall: false, f: 60000, k: 50000, t: years, sigma: 0.6)
            + 4 * Black76.price(isCall: true, f: 60000, k: 60000, t: years, sigma: 0.6)
        expectClose(c.metrics().equity, 1_000_000 + value, "E holds option values")

        // OTM strictly between 0 and (imBase - imFloor) * F = (0.15 - 0.10) * 60000 = 3000, so IM lands strictly
        // between the floor 0.10*60000 = 6000 and the base 0.15*60000 = 9000 and the OTM deduction shows:
        //   short 2 C62000: OTM = 62000 - 60000 = 2000; IM/contract = max(9000 - 2000, 6000) = 7000; IM = 2*7000 = 14000.
        //   short 3 P58500: OTM = 60000 - 58500 = 1500; IM/contract = max(9000 - 1500, 6000) = 7500; IM = 3*7500 = 22500.
        //   short 1 C55000 (in the money): OTM = max(55000 - 60000, 0) = 0; IM = max(9000 - 0, 6000) = 9000.
        //   short 1 P65000 (in the money): OTM = max(60000 - 65000, 0) = 0; IM = 9000.
        // MM = |q| * 0.075 * 60000 = |q| * 4500 whatever the strike. One account per line, then all pooled.
        let between = """
            {"C62": {"kind": "option", "underlying": "BTC", "right": "call", "strike": 62000,
                     "expiry": "2027-05-25T12:00:00Z", "iv": 0.60},
             "P58": {"kind": "option", "underlying": "BTC", "right": "put", "strike": 58500,
                     "expiry": "2027-05-25T12:00:00Z", "iv": 0.60},
             "C55": {"kind": "option", "underlying": "BTC", "right": "call", "strike": 55000,
                     "expiry": "2027-05-25T12:00:00Z", "iv": 0.60},
             "P65": {"kind": "option", "underlying": "BTC", "right": "put", "strike": 65000,
                     "expiry": "2027-05-25T12:00:00Z", "iv": 0.60}}
            """
        let lines: [(instrument: String, q: Double, im: Double, mm: Double)] = [
            ("C62", -2, 2 * 7000, 2 * 4500), ("P58", -3, 3 * 7500, 3 * 4500),
            ("C55", -1, 9000, 4500), ("P65", -1, 9000, 4500),
        ]
        let accounts = lines.enumerated().map { n, l in
            #"{"id": "A\#(n)", "collateral": [{"asset": "USDC", "amount": 1000000}], "#
                + #""positions": [{"instrument": "\#(l.instrument)", "quantity": \#(l.q), "entryPrice": 0}]}"#
        }
        let pooled =
            #"{"id": "ALL", "collateral": [{"asset": "USDC", "amount": 1000000}], "positions": ["#
            + lines.map { #"{"instrument": "\#($0.instrument)", "quantity": \#($0.q), "entryPrice": 0}"# }.joined(
                separator: ", ")
            + "]}"
        let cb = Computed(
            try testBook(
                accounts: "[" + (accounts + [pooled]).joined(separator: ", ") + "]",
                instruments: between))
        for (n, l) in lines.enumerated() {
            expectClose(cb.metrics(n).initialMargin, l.im, "IM of short \(l.instrument)")
            expectClose(cb.metrics(n).maintenanceMargin, l.mm, "MM of short \(l.instrument)")
        }
        // Pooled: IM = 14000 + 22500 + 9000 + 9000 = 54500; MM = (2 + 3 + 1 + 1) * 4500 = 31500.
        expectClose(cb.metrics(lines.count).initialMargin, 54500, "pooled IM")
        expectClose(cb.metrics(lines.count).maintenanceMargin, 31500, "pooled MM")
    }

    @Test func aBorrowOnAVenueTakesOnlyTheBorrowAddOn() throws {
        // Section 3.1: borrows weigh amount*P*(1 + borrowAddOn[a]); haircuts and venue add-ons apply to amount > 0 only.
        //   USDC +100000 on deribit:  100000 * 1 * (1 - 0 - 0)       = 100000
        //   BTC  -0.5 on arbitrum:    -0.5 * 60000 * (1 + 0.10)      = -33000  (not *(1 + 0.10 + 0.02) = -33600,
        //                                                                         not *(1 - 0.05 - 0.02) = -27900)
        //   USDC -1000 on arbitrum:   -1000 * 1 * (1 + 0.05)         = -1050   (not *(1 + 0.05 + 0.02) = -1070)
        // WC = AE = 100000 - 33000 - 1050 = 65950; E = MV = 100000 - 30000 - 1000 = 69000.
        let book = try testBook(
            accounts: """
                [{"id": "A", "collateral": [{"asset": "USDC", "amount": 100000, "venue": "deribit"},
                                            {"asset": "BTC", "amount": -0.5, "venue": "arbitrum"},
                                            {"asset": "USDC", "amount": -1000, "venue": "arbitrum"}]}]
                """)
        let m = Computed(book).metrics()
        expectClose(m.adjustedEquity, 65950, "AE")
        expectClose(m.equity, 69000, "E")
        #expect(m.maintenanceMargin == 0 && m.initialMargin == 0)
    }

    @Test func shortOptionsAreNeverOffsetByLongLines() throws {
        // -2 C60 in main and +2 C60 in hedge: value nets to 0, margin does not (2 * 4500).
        let book = try testBook(
            accounts: """
                [{"id": "A", "subaccounts": [
                   {"id": "main", "collateral": [{"asset": "USDC", "amount": 100000}],
                    "positions": [{"instrument": "BTC-C60", "quantity": -2, "entryPrice": 0}]},
                   {"id": "hedge", "positions": [{"instrument": "BTC-C60", "quantity": 2, "entryPrice": 0}]}]}]
                """)
        let c = Computed(book)
        expectClose(c.metrics().maintenanceMargin, 9000, "MM")
        expectClose(c.metrics().initialMargin, 18000, "IM")
        expectClose(c.metrics().equity, 100_000, "E")
        expectClose(c.detail().nettingBenefit, 0, "option lines add the same stand-alone and pooled")
    }

    @Test func volFactorScalesBracketRates() throws {
        let book = try testBook(
            accounts: #"[{"id": "A", "positions": [{"instrument": "BTC-PERP", "quantity": 2, "entryPrice": 60000}]}]"#)
        var state = PriceState(book: book)
        state.volFactor[1] = 2  // BTC
        let c = Computed(book, state: state)
        expectClose(c.metrics().maintenanceMargin, 2 * 1200, "MM doubled")
        expectClose(c.metrics().initialMargin, 2 * 2400, "IM doubled")
    }

    @Test func pastExpiryFuturesAreMarginedLikePerpetuals() throws {
        let book = try testBook(
            accounts: #"[{"id": "A", "positions": [{"instrument": "F", "quantity": -2, "entryPrice": 61000}]}]"#,
            instruments: """
                {"F": {"kind": "future", "underlying": "BTC", "expiry": "2020-01-01T00:00:00Z", "mark": 60500,
                       "brackets": [{"upTo": null, "imf": 0.03, "mmf": 0.015}]}}
                """)
        let m = Computed(book).metrics()
        expectClose(m.maintenanceMargin, 2 * 60500 * 0.015, "MM")
        expectClose(m.equity, -2 * (60500 - 61000.0), "uPnL at the mark")
    }

    @Test func contractSizeScalesEverything() throws {
        let book = try testBook(
            accounts: #"[{"id": "A", "positions": [{"instrument": "P", "quantity": 20, "entryPrice": 59000}]}]"#,
            instruments: """
                {"P": {"kind": "perpetual", "underlying": "BTC", "contractSize": 0.1,
                       "brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]}}
                """)
        let m = Computed(book).metrics()
        expectClose(m.equity, 20 * 0.1 * 1000, "uPnL = q cs (mark - entry)")
        expectClose(m.maintenanceMargin, 2 * 60000 * 0.01, "N = |Q| cs mark")
    }
}
