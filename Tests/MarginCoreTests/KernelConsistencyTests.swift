import Testing

@testable import MarginCore

/// The batch kernel (flat passes) and the per-unit evaluator must give the same bits,
/// so a live recompute of one account equals a full snapshot.
@Suite struct KernelConsistencyTests {
    @Test(arguments: [nil, MarginModel.standard, .portfolio, .es])
    func batchEqualsPerUnitEvaluation(_ model: MarginModel?) throws {
        let book = DemoBook.generate(accounts: 300, seed: 3)
        let c = Computed(book, model: model)
        let q = Quotes(market: c.marginBook.market)
        q.update(PriceState(book: book))
        let ev = Evaluator(book: c.marginBook)
        for u in 0..<c.marginBook.unitCount {
            let m = ev.evaluate(u, q)
            #expect(m == c.results.metrics(u), "unit \(u)")
            #expect(Health.state(m, book.defaults) == c.results.state[u], "state of unit \(u)")
        }
    }

    @Test func computingARangeMatchesTheFullPass() throws {
        let book = DemoBook.generate(accounts: 200, seed: 4)
        let c = Computed(book)
        let q = Quotes(market: c.marginBook.market)
        var state = PriceState(book: book)
        state.assetPrice[2] *= 0.9
        q.update(state)
        let full = BookResults(unitCount: c.marginBook.unitCount)
        c.marginBook.computeAll(q, into: full)
        let parts = BookResults(unitCount: c.marginBook.unitCount)
        c.marginBook.compute(0..<77, q, into: parts)
        c.marginBook.compute(77..<c.marginBook.unitCount, q, into: parts)
        for u in 0..<c.marginBook.unitCount { #expect(parts.metrics(u) == full.metrics(u)) }
    }
}
