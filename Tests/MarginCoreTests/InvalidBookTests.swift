import Testing

@testable import MarginCore

/// Every rule of book-format.md, broken once, each asserting the exact JSON path of the error.
@Suite struct InvalidBookTests {
    struct Case: CustomStringConvertible, Sendable {
        var name: String
        var replace: String
        var with: String
        var path: String
        var message: String
        /// A second edit, for rules that need two changes to break.
        var also: (String, String)? = nil
        var description: String { name }
    }

    static let cases: [Case] = [
        Case(
            name: "unknown instrument", replace: #""instrument": "BTC-PERP", "quantity": -4"#,
            with: #""instrument": "BTC-PERPX", "quantity": -4"#,
            path: "accounts[0].subaccounts[0].positions[0].instrument", message: #"unknown instrument "BTC-PERPX""#),
        Case(
            name: "wrong format", replace: #""format": "margintop.book/1""#, with: #""format": "margintop.book/2""#,
            path: "format", message: "unsupported format"),
        Case(
            name: "missing format", replace: #""format": "margintop.book/1","#, with: "",
            path: "format", message: "required key is missing"),
        Case(
            name: "unknown top-level key", replace: #""quote": "USD","#, with: #""quote": "USD", "fees": 1,"#,
            path: "fees", message: #"unknown key "fees""#),
        Case(
            name: "asOf without a zone", replace: #""asOf": "2026-11-24T12:00:00Z""#,
            with: #""asOf": "2026-11-24T12:00:00""#,
            path: "asOf", message: "invalid timestamp"),
        Case(
            name: "asOf not a date", replace: #""asOf": "2026-11-24T12:00:00Z""#,
            with: #""asOf": "2026-02-30T12:00:00Z""#,
            path: "asOf", message: "invalid timestamp"),
        Case(
            name: "negative price", replace: #""price": 60000"#, with: #""price": -60000"#,
            path: "assets.BTC.price", message: "must be > 0"),
        Case(
            name: "zero price", replace: #""price": 3000"#, with: #""price": 0"#,
            path: "assets.ETH.price", message: "must be > 0"),
        Case(
            name: "price as a string", replace: #""price": 60000"#, with: #""price": "60000""#,
            path: "assets.BTC.price", message: "expected a number, found a string"),
        Case(
            name: "non-stable asset without price", replace: #""price": 3000, "haircut": 0.08"#,
            with: #""haircut": 0.08"#,
            path: "assets.ETH.price", message: "required key is missing"),
        Case(
            name: "haircut above 1", replace: #""haircut": 0.05"#, with: #""haircut": 1.5"#,
            path: "assets.BTC.haircut", message: "must be within [0, 1]"),
        Case(
            name: "negative vol", replace: #""vol": 0.55"#, with: #""vol": -0.55"#,
            path: "assets.BTC.vol", message: "must be >= 0"),
        Case(
            name: "asset name with a space in the path", replace: #""USDC": {"price": 1, "stable": true"#,
            with: #""B TC": {"price": 1, "stable": "yes"}, "USDC": {"price": 1, "stable": true"#,
            path: #"assets["B TC"].stable"#, message: "expected true or false, found a string"),
        Case(
            name: "unknown asset key", replace: #""borrowAddOn": 0.05}"#,
            with: #""borrowAddOn": 0.05, "colour": "green"}"#,
            path: "assets.USDC.colour", message: #"unknown key "colour""#),
        Case(
            name: "negative venue add-on", replace: #""haircutAddOn": 0.02"#, with: #""haircutAddOn": -0.02"#,
            path: "venues.arbitrum.haircutAddOn", message: "must be >= 0"),
        Case(
            name: "unknown instrument kind", replace: #""kind": "perpetual", "underlying": "ETH""#,
            with: #""kind": "swap", "underlying": "ETH""#,
            path: "instruments.ETH-PERP.kind", message: #"unknown instrument kind "swap""#),
        Case(
            name: "unknown underlying", replace: #""kind": "perpetual", "underlying": "ETH""#,
            with: #""kind": "perpetual", "underlying": "DOGE""#,
            path: "instruments.ETH-PERP.underlying", message: #"unknown asset "DOGE""#),
        Case(
            name: "unordered brackets", replace: #"{"upTo": 1000000, "imf": 0.04"#,
            with: #"{"upTo": 200000, "imf": 0.04"#,
            path: "instruments.BTC-PERP.brackets[1].upTo", message: "strictly increasing upTo"),
        Case(
            name: "null upTo before the last", replace: #"{"upTo": 1000000, "imf": 0.04"#,
            with: #"{"upTo": null, "imf": 0.04"#,
            path: "instruments.BTC-PERP.brackets[1].upTo", message: "only the last bracket may have upTo null"),
        Case(
            name: "last bracket closed", replace: #"{"upTo": null,   "imf": 0.05"#,
            with: #"{"upTo": 900000, "imf": 0.05"#,
            path: "instruments.ETH-PERP.brackets[1].upTo", message: "the last bracket must have upTo null"),
        Case(
            name: "perpetual without brackets",
            replace:
                #""contractSize": 1,\#n                 "brackets": [{"upTo": 100000, "imf": 0.025, "mmf": 0.0125},\#n"#
                + #"                              {"upTo": null,   "imf": 0.05,  "mmf": 0.025}]}"#,
            with: #""contractSize": 1}"#,
            path: "instruments.ETH-PERP.brackets", message: "required key is missing"),
        Case(
            name: "negative mark", replace: #""mark": 60010"#, with: #""mark": -60010"#,
            path: "instruments.BTC-PERP.mark", message: "must be > 0, found -60010.0"),
        Case(
            name: "zero mark", replace: #""mark": 60010"#, with: #""mark": 0"#,
            path: "instruments.BTC-PERP.mark", message: "must be > 0, found 0.0"),
        Case(
            name: "negative strike", replace: #""strike": 60000"#, with: #""strike": -60000"#,
            path: "instruments.BTC-27DEC26-60000-C.strike", message: "must be > 0, found -60000.0"),
        Case(
            name: "negative iv", replace: #""iv": 0.60"#, with: #""iv": -0.60"#,
            path: "instruments.BTC-27DEC26-60000-C.iv", message: "must be >= 0, found -0.6"),
        Case(
            name: "negative imf", replace: #"{"upTo": null, "imf": 0.03"#, with: #"{"upTo": null, "imf": -0.03"#,
            path: "instruments.BTC-27DEC26.brackets[0].imf", message: "must be >= 0, found -0.03"),
        Case(
            name: "negative upTo", replace: #"{"upTo": 250000,"#, with: #"{"upTo": -250000,"#,
            path: "instruments.BTC-PERP.brackets[0].upTo", message: "must be > 0, found -250000.0"),
        Case(
            name: "zero upTo", replace: #"{"upTo": 250000,"#, with: #"{"upTo": 0,"#,
            path: "instruments.BTC-PERP.brackets[0].upTo", message: "must be > 0, found 0.0"),
        Case(
            name: "bracket missing mmf", replace: #"{"upTo": null, "imf": 0.03, "mmf": 0.015}"#,
            with: #"{"upTo": null, "imf": 0.03}"#,
            path: "instruments.BTC-27DEC26.brackets[0].mmf", message: "required key is missing"),
        Case(
            name: "future without expiry",
            replace: #""expiry": "2026-12-27T08:00:00Z",\#n                    "brackets""#, with: #""brackets""#,
            path: "instruments.BTC-27DEC26.expiry", message: "required key is missing"),
        Case(
            name: "perpetual with an expiry", replace: #""mark": 60010,"#,
            with: #""mark": 60010, "expiry": "2026-12-27T08:00:00Z","#,
            path: "instruments.BTC-PERP.expiry", message: #"unknown key "expiry""#),
        Case(
            name: "option without strike", replace: #""right": "call", "strike": 60000,"#, with: #""right": "call","#,
            path: "instruments.BTC-27DEC26-60000-C.strike", message: "required key is missing"),
        Case(
            name: "option without right", replace: #""right": "call", "strike": 60000,"#, with: #""strike": 60000,"#,
            path: "instruments.BTC-27DEC26-60000-C.right", message: "required key is missing"),
        Case(
            name: "option without expiry",
            replace:
                #""right": "call", "strike": 60000,\#n                            "expiry": "2026-12-27T08:00:00Z","#,
            with: #""right": "call", "strike": 60000,"#,
            path: "instruments.BTC-27DEC26-60000-C.expiry", message: "required key is missing"),
        Case(
            name: "option with brackets", replace: #""contractSize": 1, "iv": 0.60}"#,
            with: #""contractSize": 1, "iv": 0.60, "brackets": []}"#,
            path: "instruments.BTC-27DEC26-60000-C.brackets", message: #"unknown key "brackets""#),
        Case(
            name: "option with no iv on an underlying with no vol", replace: #""vol": 0.55, "scanRange": 0.15"#,
            with: #""scanRange": 0.15"#, path: "instruments.BTC-27DEC26-60000-C.iv", message: "has no iv",
            also: (#""contractSize": 1, "iv": 0.60}"#, #""contractSize": 1}"#)),
        Case(
            name: "zero contract size", replace: #""underlying": "ETH", "contractSize": 1"#,
            with: #""underlying": "ETH", "contractSize": 0"#,
            path: "instruments.ETH-PERP.contractSize", message: "must be > 0"),
        Case(
            name: "history of unequal length", replace: #""ETH": [-0.044, 0.020]"#, with: #""ETH": [-0.044]"#,
            path: "history.returns.ETH", message: "has 1 returns but history.dates has 2"),
        Case(
            name: "history of an unknown asset", replace: #""ETH": [-0.044, 0.020]"#,
            with: #""ETH": [-0.044, 0.020], "SOL": [0, 0]"#,
            path: "history.returns.SOL", message: #"unknown asset "SOL""#),
        Case(
            name: "history date malformed", replace: #""2026-11-21"]"#, with: #""2026/11/21"]"#,
            path: "history.dates[1]", message: "invalid date"),
        Case(
            name: "duplicate account ids", replace: #""accounts": ["#,
            with: #""accounts": [{"id": "ACC-1001"},"#, path: "accounts[1].id",
            message: #"duplicate account id "ACC-1001""#),
        Case(
            name: "duplicate sub-account ids", replace: #"{"id": "hedge","#, with: #"{"id": "main","#,
            path: "accounts[0].subaccounts[1].id", message: #"duplicate sub-account id "main""#),
        Case(
            name: "subaccounts and collateral together", replace: #""name": "Alpha Fund", "model": "standard","#,
            with: #""name": "Alpha Fund", "model": "standard", "collateral": [],"#, path: "accounts[0].collateral",
            message: "either subaccounts or collateral/positions"),
        Case(
            name: "unknown collateral asset", replace: #"{"asset": "USDC", "amount": 50000}"#,
            with: #"{"asset": "USDT", "amount": 50000}"#,
            path: "accounts[0].subaccounts[1].collateral[0].asset", message: #"unknown asset "USDT""#),
        Case(
            name: "unknown venue", replace: #""amount": 2.5, "venue": "arbitrum""#,
            with: #""amount": 2.5, "venue": "ftx""#,
            path: "accounts[0].subaccounts[0].collateral[1].venue", message: #"unknown venue "ftx""#),
        Case(
            name: "amount missing", replace: #"{"asset": "USDC", "amount": 50000}"#, with: #"{"asset": "USDC"}"#,
            path: "accounts[0].subaccounts[1].collateral[0].amount", message: "required key is missing"),
        Case(
            name: "quantity not a number", replace: #""quantity": 1.5"#, with: #""quantity": "1.5""#,
            path: "accounts[0].subaccounts[1].positions[0].quantity", message: "expected a number"),
        Case(
            name: "entry price missing on an option",
            replace: #""quantity": -10,\#n                       "entryPrice": 3100}"#, with: #""quantity": -10}"#,
            path: "accounts[0].subaccounts[0].positions[1].entryPrice", message: "required key is missing"),
        Case(
            name: "negative isolated collateral", replace: #""isolatedCollateral": 8000"#,
            with: #""isolatedCollateral": -8000"#,
            path: "accounts[0].subaccounts[1].positions[1].isolatedCollateral", message: "must be >= 0"),
        Case(
            name: "unknown model", replace: #""name": "Alpha Fund", "model": "standard","#,
            with: #""name": "Alpha Fund", "model": "span","#, path: "accounts[0].model",
            message: #"unknown model "span""#),
        Case(
            name: "unknown defaults key", replace: #""volFactorMax": 3"#,
            with: #""volFactorMax": 3, "maxLeverage": 20"#,
            path: "defaults.maxLeverage", message: #"unknown key "maxLeverage""#),
        Case(
            name: "partial nested default with a bad type", replace: #""imBase": 0.15"#, with: #""imBase": null"#,
            path: "defaults.shortOption.imBase", message: "expected a number, found null"),
        Case(
            name: "NaN", replace: #""insuranceFund": 5000000"#, with: #""insuranceFund": NaN"#,
            path: "insuranceFund", message: "NaN and Infinity are not JSON numbers"),
        Case(
            name: "duplicate key", replace: #""quote": "USD","#, with: #""quote": "USD", "quote": "EUR","#,
            path: "", message: #"duplicate key "quote""#),
        Case(
            name: "negative insurance fund", replace: #""insuranceFund": 5000000"#, with: #""insuranceFund": -1"#,
            path: "insuranceFund", message: "must be >= 0"),
        // Balanced JSON: the accounts array is wrapped in an object ({"x": [...]}), closed before the book's last brace.
        Case(
            name: "accounts not an array", replace: #""accounts": ["#, with: #""accounts": {"x": ["#,
            path: "accounts", message: "expected an array, found an object", also: ("\n  ]\n}", "\n  ]}\n}")),
        Case(
            name: "empty account id", replace: #""id": "ACC-1001""#, with: #""id": """#,
            path: "accounts[0].id", message: "must not be empty"),
        Case(
            name: "es account in a book without history", replace: #""name": "Alpha Fund", "model": "standard","#,
            with: #""name": "Alpha Fund", "model": "es","#, path: "accounts[0].model",
            message: "needs a non-empty history"),
    ]

    static let base: String = {
        (try? fixtureBytes("example-book.json")).map { String(decoding: $0, as: UTF8.self) } ?? ""
    }()

    @Test(arguments: cases)
    func rejectsWithExactPath(_ c: Case) throws {
        #expect(InvalidBookTests.base.contains(c.replace), "the case's anchor text must be in the base book")
        var text = InvalidBookTests.base.replacingOccurrences(of: c.replace, with: c.with)
        if let (a, b) = c.also {
            #expect(text.contains(a))
            text = text.replacingOccurrences(of: a, with: b)
        }
        if c.name == "es account in a book without history" {
            let history =
                #""history": {\#n    "dates": ["2026-11-20", "2026-11-21"],\#n"#
                + #"    "returns": {"BTC": [-0.031, 0.012], "ETH": [-0.044, 0.020]}\#n  },"#
            #expect(text.contains(history))
            text = text.replacingOccurrences(of: history, with: "")
        }
        do {
            _ = try BookDecoder.decode(text, file: "bad.json")
            Issue.record("\(c.name): accepted an invalid book")
        } catch {
            #expect(error.path == c.path, "\(c.name): \(error)")
            #expect(error.message.contains(c.message), "\(c.name): \(error)")
            #expect(error.file == "bad.json")
            #expect(error.description.hasPrefix("bad.json: "))
        }
    }

    @Test func theBaseBookIsValid() throws {
        _ = try BookDecoder.decode(InvalidBookTests.base)
    }

    @Test func errorDescriptionNamesFilePathAndProblem() {
        let e = BookError(
            file: "book.json", path: "accounts[3].positions[0].instrument", message: #"unknown instrument "BTC-PERPX""#)
        #expect(e.description == #"book.json: accounts[3].positions[0].instrument: unknown instrument "BTC-PERPX""#)
    }
}
