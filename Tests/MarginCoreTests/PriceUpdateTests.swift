import Testing

@testable import MarginCore

@Suite struct PriceUpdateTests {
    @Test func oneRuleForFeedsAndTheLiveBook() {
        #expect(PriceUpdate.isValid(60_000, kind: .index) && PriceUpdate.isValid(0.0001, kind: .mark))
        for kind in PriceKind.allCases {
            #expect(!PriceUpdate.isValid(0, kind: kind))
            #expect(!PriceUpdate.isValid(-1, kind: kind))
            #expect(!PriceUpdate.isValid(.nan, kind: kind))
            #expect(!PriceUpdate.isValid(.infinity, kind: kind))
        }
        #expect(PriceUpdate.isValid(0.55, kind: .iv) && PriceUpdate.isValid(PriceUpdate.maxImpliedVol, kind: .iv))
        #expect(!PriceUpdate.isValid(PriceUpdate.maxImpliedVol.nextUp, kind: .iv))
        #expect(PriceUpdate.isValid(1e6, kind: .mark))
        let u = PriceUpdate(symbol: "BTC", kind: .index, value: 60_000, exchangeTime: 10)
        #expect(u.receiveTime == 10 && u.isValid)
    }
}
