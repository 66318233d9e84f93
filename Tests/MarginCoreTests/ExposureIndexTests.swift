import Testing

@testable import MarginCore

/// The snapshot's exposures and data ages from the laid-out ``ExposureIndex`` equal the
/// one-pass ``MarginBook/exposures(prices:indexAge:markAge:)``, bit for bit, on demo books
/// (isolated buckets, collateral, options) with index and mark ages that differ per price.
@Suite struct ExposureIndexTests {
    @Test(arguments: [UInt64(1), 2, 3])
    func matchesTheOnePassExposures(seed: UInt64) {
        let book = DemoBook.generate(accounts: 400, seed: seed)
        let mb = MarginBook(book: book)
        let index = ExposureIndex(mb)
        var rng = SplitMix64(seed: seed)
        var prices = PriceState(book: book)
        for a in 0..<mb.market.assetCount where !mb.market.stable[a] {
            prices = prices.withPrice(asset: a, prices.assetPrice[a] * (0.8 + 0.4 * rng.nextUnit()), mb.market)
        }
        let indexAge = (0..<mb.market.assetCount).map { _ in rng.nextUnit() * 30 }
        // Some instruments never fed a mark (-1), others older or younger than their index.
        let markAge = (0..<mb.market.instrumentCount).map { _ in rng.nextUnit() < 0.3 ? -1 : rng.nextUnit() * 60 }
        let want = mb.exposures(prices: prices, indexAge: indexAge, markAge: markAge)
        let got = index.exposures(mb, prices: prices, indexAge: indexAge, markAge: markAge)
        #expect(got.asset == want.asset)
        #expect(got.notional.map(\.bitPattern) == want.notional.map(\.bitPattern))
        #expect(got.dataAge.map(\.bitPattern) == want.dataAge.map(\.bitPattern))
        #expect(index.sourceCount > 1 && index.sourceCount < mb.accountCount)
    }

    /// Laid out in parts on several threads, the index is the one of a single pass: the same
    /// rows, and the same sources numbered in the order they first appear.
    @Test func partsLayOutTheIndexOfOnePass() {
        let mb = MarginBook(book: DemoBook.generate(accounts: 700, seed: 8))
        let one = ExposureIndex(mb, parts: 1)
        #expect(one.sourceCount > 3)
        for parts in [2, 3, 7] {
            let got = ExposureIndex(mb, parts: parts)
            func same<T: Equatable>(_ a: Column<T>, _ b: Column<T>, _ count: Int) -> Bool {
                (0..<count).allSatisfy { a[$0] == b[$0] }
            }
            let rows = Int(one.rowStart[mb.accountCount])
            #expect(same(got.rowStart, one.rowStart, mb.accountCount + 1), "\(parts) parts")
            #expect(same(got.rowAsset, one.rowAsset, rows) && same(got.rowValue, one.rowValue, rows))
            #expect(same(got.rowSize, one.rowSize, rows))
            #expect(got.source == one.source && got.sourceStart == one.sourceStart)
            #expect(got.sourceMember == one.sourceMember)
        }
    }

    /// Equal notionals on two assets: the lower asset wins, as in the one-pass version.
    @Test func tiesGoToTheFirstAsset() throws {
        let text = #"""
            {"format": "margintop.book/1", "asOf": "2026-11-24T12:00:00Z",
             "assets": {"USDC": {"stable": true}, "BTC": {"price": 50000, "vol": 0.5}, "ETH": {"price": 2500, "vol": 0.6}},
             "instruments": {"ETH-PERP": {"kind": "perpetual", "underlying": "ETH",
                             "brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]}},
             "accounts": [{"id": "TIE", "collateral": [{"asset": "BTC", "amount": 1}, {"asset": "USDC", "amount": 1000}],
                           "positions": [{"instrument": "ETH-PERP", "quantity": -20, "entryPrice": 2500}]},
                          {"id": "CASH", "collateral": [{"asset": "USDC", "amount": 100}]}]}
            """#
        let book = try BookDecoder.decode(text)
        let mb = MarginBook(book: book)
        let prices = PriceState(book: book)
        let ages = [Double](repeating: 1, count: mb.market.assetCount)
        let marks = [Double](repeating: -1, count: mb.market.instrumentCount)
        let want = mb.exposures(prices: prices, indexAge: ages, markAge: marks)
        let got = ExposureIndex(mb).exposures(mb, prices: prices, indexAge: ages, markAge: marks)
        #expect(got.asset == want.asset && got.notional == want.notional && got.dataAge == want.dataAge)
        #expect(mb.market.assetNames[Int(got.asset[0])] == "BTC" && got.asset[1] == -1)
    }
}
