import Foundation
import Testing

@testable import MarginCore

/// Relative closeness to the spec's tolerance (1e-9 relative, 1e-6 absolute near zero).
func close(_ a: Double?, _ b: Double?, rel: Double = 1e-9, abs absTol: Double = 1e-6) -> Bool {
    guard let a, let b else { return a == nil && b == nil }
    if a == b { return true }
    return Swift.abs(a - b) <= max(rel * max(Swift.abs(a), Swift.abs(b)), absTol)
}

func expectClose(
    _ a: Double?, _ b: Double?, rel: Double = 1e-9, abs absTol: Double = 1e-6,
    _ what: String = "", sourceLocation: SourceLocation = #_sourceLocation
) {
    #expect(
        close(a, b, rel: rel, abs: absTol), "\(what): \(String(describing: a)) vs \(String(describing: b))",
        sourceLocation: sourceLocation)
}

/// The repository's test fixtures folder.
let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

func fixtureBytes(_ name: String) throws -> [UInt8] {
    Array(try Data(contentsOf: fixtures.appendingPathComponent(name)))
}

/// A small market for hand-computed tests: USDC (stable), BTC at 60000, ETH at 3000.
/// `accounts` is the JSON text of the accounts array; `extra` adds top-level members.
func testBook(
    accounts: String, instruments: String? = nil, assets: String? = nil, extra: String = "",
    defaults: String = "{}"
) throws -> Book {
    let text = """
        {"format": "margintop.book/1", "asOf": "2026-11-24T12:00:00Z", "insuranceFund": 1000,
         "defaults": \(defaults),
         "assets": \(assets ?? """
        {"USDC": {"price": 1, "stable": true, "haircut": 0, "borrowAddOn": 0.05},
         "BTC": {"price": 60000, "haircut": 0.05, "borrowAddOn": 0.10, "vol": 0.55, "scanRange": 0.15, "volScanRange": 0.10},
         "ETH": {"price": 3000, "haircut": 0.08, "borrowAddOn": 0.12, "vol": 0.70, "scanRange": 0.20, "volScanRange": 0.12}}
        """),
         "venues": {"deribit": {"haircutAddOn": 0}, "arbitrum": {"haircutAddOn": 0.02}},
         "instruments": \(instruments ?? """
        {"BTC-PERP": {"kind": "perpetual", "underlying": "BTC", "mark": 60000,
                      "brackets": [{"upTo": 250000, "imf": 0.02, "mmf": 0.01},
                                   {"upTo": 1000000, "imf": 0.04, "mmf": 0.02},
                                   {"upTo": null, "imf": 0.10, "mmf": 0.05}]},
         "ETH-PERP": {"kind": "perpetual", "underlying": "ETH",
                      "brackets": [{"upTo": 100000, "imf": 0.025, "mmf": 0.0125}, {"upTo": null, "imf": 0.05, "mmf": 0.025}]},
         "BTC-C60": {"kind": "option", "underlying": "BTC", "right": "call", "strike": 60000,
                     "expiry": "2027-05-25T12:00:00Z", "iv": 0.60},
         "BTC-C70": {"kind": "option", "underlying": "BTC", "right": "call", "strike": 70000,
                     "expiry": "2027-05-25T12:00:00Z", "iv": 0.60},
         "BTC-P50": {"kind": "option", "underlying": "BTC", "right": "put", "strike": 50000,
                     "expiry": "2027-05-25T12:00:00Z", "iv": 0.60}}
        """)\(extra),
         "accounts": \(accounts)}
        """
    return try BookDecoder.decode(text)
}

/// Computes every unit of a book at its own prices.
struct Computed {
    let book: Book
    let marginBook: MarginBook
    let results: BookResults
    let analyzer: Analyzer

    init(_ book: Book, model: MarginModel? = nil, state: PriceState? = nil) {
        self.book = book
        marginBook = MarginBook(book: book, modelOverride: model)
        let s = state ?? PriceState(book: book)
        let q = Quotes(market: marginBook.market, portfolio: marginBook.usesPortfolio, es: marginBook.usesES)
        q.update(s)
        results = BookResults(unitCount: marginBook.unitCount)
        marginBook.computeAll(q, into: results)
        analyzer = Analyzer(book: marginBook, base: s)
    }

    func metrics(_ a: Int = 0) -> UnitMetrics { results.metrics(a) }
    func detail(_ a: Int = 0) -> AccountDetail { analyzer.detail(account: a, source: book.accounts[a]) }
}
