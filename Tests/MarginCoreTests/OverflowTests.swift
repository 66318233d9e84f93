import Testing

@testable import MarginCore

/// Issue 10 item 8: numbers that overflow are invalid data with their path named, a figure that
/// is not finite is the `error` state (never `safe`), and no output carries `nan` or `inf`.
@Suite struct OverflowTests {
    static func book(
        assets: String = #""USDC": {"stable": true}, "BTC": {"price": 60000, "vol": 0.5}"#,
        instrument: String =
            #""kind": "perpetual", "underlying": "BTC", "brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]"#,
        accounts: String
    ) -> String {
        #"{"format": "margintop.book/1", "asOf": "2026-11-24T12:00:00Z", "assets": {\#(assets)}, "#
            + #""instruments": {"BTC-PERP": {\#(instrument)}}, "accounts": [\#(accounts)]}"#
    }

    func error(_ text: String) -> BookError? {
        do {
            _ = try BookDecoder.decode(text)
            return nil
        } catch {
            return error
        }
    }

    @Test func twoHugePositionsAreInvalidAtTheFirstThatOverflows() throws {
        // Each quantity is finite; quantity × price (60000) is not.
        let text = Self.book(
            accounts: #"{"id": "A", "collateral": [{"asset": "USDC", "amount": 1000}], "positions": ["#
                + #"{"instrument": "BTC-PERP", "quantity": 1.7e308, "entryPrice": 60000},"#
                + #"{"instrument": "BTC-PERP", "quantity": -1.7e308, "entryPrice": 60000}]}"#)
        let e = try #require(error(text))
        #expect(e.path == "accounts[0].positions[0]")
        #expect(e.message.contains("overflows"), "\(e)")
    }

    @Test func aBookWhoseLinesAreFiniteButWhoseSumOverflowsNamesTheLineThatTipsIt() throws {
        // 5e303 USDC per line is in range alone (its bound is 1.1e305); the running total passes the
        // limit (about 1.76e305) at the second account.
        let line = #"{"asset": "USDC", "amount": 5e303}"#
        let accounts = (0..<6).map { #"{"id": "A\#($0)", "collateral": [\#(line)]}"# }.joined(separator: ",")
        let e = try #require(error(Self.book(accounts: accounts)))
        #expect(e.path == "accounts[1].collateral[0]", "\(e)")
        #expect(e.message.contains("gross value"), "\(e)")
    }

    @Test func subaccountLinesAreNamedInTheirSubaccount() throws {
        let text = Self.book(
            accounts: #"{"id": "A", "subaccounts": [{"id": "main"}, {"id": "hedge", "collateral": "#
                + #"[{"asset": "BTC", "amount": 1e305}]}]}"#)
        let e = try #require(error(text))
        #expect(e.path == "accounts[0].subaccounts[1].collateral[0]", "\(e)")
    }

    @Test func anInstrumentWhoseContractOrBracketsOverflowIsInvalid() throws {
        let huge = Self.book(
            instrument: #""kind": "perpetual", "underlying": "BTC", "contractSize": 1e305, "#
                + #""brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]"#,
            accounts: #"{"id": "A"}"#)
        #expect(error(huge)?.path == "instruments.BTC-PERP.contractSize", "\(String(describing: error(huge)))")
        let brackets = Self.book(
            instrument: #""kind": "perpetual", "underlying": "BTC", "brackets": [{"upTo": 1e308, "imf": 5, "mmf": 4},"#
                + #"{"upTo": null, "imf": 6, "mmf": 5}]"#,
            accounts: #"{"id": "A"}"#)
        #expect(
            error(brackets)?.path == "instruments.BTC-PERP.brackets[0]", "\(String(describing: error(brackets)))")
    }

    @Test func largeButRealBooksStayValid() throws {
        // A trillion-dollar account (1e7 BTC, 1e12 USDC) is far inside the bounds.
        let text = Self.book(
            accounts: #"{"id": "A", "collateral": [{"asset": "USDC", "amount": 1e12}], "positions": ["#
                + #"{"instrument": "BTC-PERP", "quantity": 1e7, "entryPrice": 60000}]}"#)
        #expect(error(text) == nil)
    }

    @Test func nonFiniteFiguresAreTheErrorStateNeverSafe() {
        let p = BookDefaults()
        for (e, ae, mm) in [
            (Double.nan, 1.0, 0.5), (1, .nan, 0.5), (1, 1, .nan), (.infinity, .infinity, .infinity),
            (.infinity, 1, 0), (-.infinity, -.infinity, 0), (1e308, 1e308, 1e308),
        ] {
            #expect(
                Health.state(equity: e, adjustedEquity: ae, maintenanceMargin: mm, warn: p.warn, danger: p.danger)
                    == .error, "E \(e) AE \(ae) MM \(mm)")
        }
        #expect(Health.state(equity: 1, adjustedEquity: 1, maintenanceMargin: 0.5, warn: 0.7, danger: 0.9) == .safe)
        #expect(
            Health.state(equity: -1, adjustedEquity: -1, maintenanceMargin: 0.5, warn: 0.7, danger: 0.9) == .bankrupt)
        #expect(AccountState.error.isLiquidatable && AccountState.error > .bankrupt)
    }

    @Test func jsonNeverCarriesNaNOrInfinity() {
        let v: JSONValue = .array([.number(.nan), .number(.infinity), .number(-.infinity), .number(1.5)])
        #expect(JSONWriter(pretty: false).write(v) == "[null,null,null,1.5]")
        #expect(Money.percent(.infinity) == "-" && Money.format(.nan) == "-")
    }

    @Test func feedPricesAboveTheLimitAreInvalid() {
        #expect(PriceUpdate.isValid(1e15, kind: .index))
        #expect(!PriceUpdate.isValid(1.7e308, kind: .index) && !PriceUpdate.isValid(1.01e15, kind: .mark))
    }
}
