import MarginCore
import MarginLive
import MarginStore
import Testing

@testable import MarginRuntime

/// What a shard publishes ranks like the live snapshot: the merged view's order is the unsharded one.
@Suite struct ShardPublisherTests {
    @Test("results sorted by ShardResult.precedes are the snapshot's priority order, before and after a sell-off")
    func resultsRankAsTheSnapshot() async throws {
        let book = DemoBook.generate(accounts: 600, seed: 5)
        let t0 = 1_790_000_000.0
        let engine = LiveEngine(book: book, now: t0)
        for (i, drop) in [1.0, 0.85, 0.97].enumerated() {
            let now = t0 + Double(i + 1)
            let ticks = book.assets.filter { !$0.stable }.compactMap { a in
                a.price.map { PriceUpdate(symbol: a.name, kind: .index, value: $0 * drop, exchangeTime: now) }
            }
            await engine.submit(ticks, receivedAt: now)
            _ = await engine.step(now: now)
            let snap = await engine.snapshot(now: now)
            let rows = ShardPublisher.results(snap)
            #expect(rows.map(\.accountId) == snap.accounts.ids)
            #expect(rows.map(\.state) == snap.accounts.state)
            let ranked = rows.sorted(by: ShardResult.precedes).map(\.accountId)
            #expect(ranked == snap.priority.map { snap.accounts.ids[$0] }, "step \(i)")
            #expect(rows.contains { $0.liquidatable } && rows.contains { !$0.liquidatable })
        }
    }

    @Test("beyond the exact top an account is republished once it moves materially")
    func materialMoves() {
        let r = ShardResult(
            accountId: "A", state: .warning, liquidatable: false, marginRatio: 0.8, maintenanceMargin: 1000,
            equity: 5000, adjustedEquity: 1250, distance: 0.2, stale: false)
        var m = r
        #expect(!ShardPublisher.moved(r, m))
        m.marginRatio = 0.8 * 1.005
        m.distance = 0.2005
        #expect(!ShardPublisher.moved(r, m))
        m.marginRatio = 0.8 * 1.02
        #expect(ShardPublisher.moved(r, m))
        m = r
        m.state = .danger
        #expect(ShardPublisher.moved(r, m))
        m = r
        m.distance = nil
        #expect(ShardPublisher.moved(r, m))
        m = r
        m.distance = 0.202
        #expect(ShardPublisher.moved(r, m))
        m = r
        m.marginRatio = .infinity
        #expect(ShardPublisher.moved(r, m))
        m = r
        m.stale = true
        #expect(ShardPublisher.moved(r, m))
    }
}
