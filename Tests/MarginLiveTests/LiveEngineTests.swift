import Testing

@testable import MarginCore
@testable import MarginLive

@Suite struct LiveEngineTests {
    /// A burst far faster than the steps leaves one pending update per symbol, and the
    /// published numbers are those of the latest prices.
    @Test func burstsAreCoalescedAndTheBacklogIsBounded() async throws {
        let book = DemoBook.generate(accounts: 80, seed: 2)
        let t0 = book.asOf.epochSeconds
        var config = LiveConfig()
        config.advanceTime = false
        let engine = LiveEngine(book: book, config: config, now: t0)
        for k in 0..<5000 {
            let p = 60000 + Double(k % 100)
            await engine.submit(
                [
                    PriceUpdate(symbol: "BTC", kind: .index, value: p, exchangeTime: t0 + Double(k) / 1000),
                    PriceUpdate(
                        symbol: "ETH", kind: .index, value: 3000 - Double(k % 7), exchangeTime: t0 + Double(k) / 1000),
                ],
                receivedAt: t0 + Double(k) / 1000)
        }
        #expect(await engine.backlog == 2)
        _ = await engine.step(now: t0 + 5.02)
        #expect(await engine.backlog == 0)
        #expect(await engine.coalescedTotal == 9998)
        let snap = await engine.snapshot(now: t0 + 5.02)
        #expect(snap.prices.assetPrice[2] == 60000 + 99)
        #expect(snap.prices.assetPrice[3] == 3000 - Double(4999 % 7))
        // Latency of that batch: published at +5.02, oldest received at +0.
        #expect(abs(snap.health.recomputeP99Ms - 5020) < 1e-3)
        // Received within (now - 1, now]: batches 4021...4999, two updates each.
        #expect(snap.health.ticksPerSecond == 1958)
    }

    @Test func stepsEmitStateChangesAndStatusFlowsIntoHealth() async throws {
        let book = DemoBook.generate(accounts: 100, seed: 3)
        let t0 = book.asOf.epochSeconds
        var config = LiveConfig()
        config.advanceTime = false
        let engine = LiveEngine(book: book, config: config, now: t0)
        await engine.setFeedStatus("live", isLive: true)
        await engine.submit(
            [PriceUpdate(symbol: "BTC", kind: .index, value: 42000, exchangeTime: t0 + 1)], receivedAt: t0 + 1)
        let changes = await engine.step(now: t0 + 1.01)
        #expect(!changes.isEmpty, "a 30% crash moves some accounts")
        #expect(changes.allSatisfy { $0.cause?.symbol == "BTC" || $0.cause?.symbol.hasPrefix("BTC") == true })
        let h = await engine.health(now: t0 + 1.01)
        #expect(h.feedIsLive && h.feedStatus == "live")
        #expect(abs(h.recomputeP50Ms - 10) < 1e-3)
    }

    /// Symbols are resolved once, at submit: unknown ones are counted there, and updates still
    /// pending when the book is replaced land on the new book's indices.
    @Test func pendingUpdatesFollowABookWithOtherIndices() async throws {
        let book = DemoBook.generate(accounts: 40, seed: 4)
        let t0 = book.asOf.epochSeconds
        var config = LiveConfig()
        config.advanceTime = false
        let engine = LiveEngine(book: book, config: config, now: t0)
        await engine.submit(
            [
                PriceUpdate(symbol: "ETH", kind: .index, value: 2900, exchangeTime: t0 + 1),
                PriceUpdate(symbol: "DOGE", kind: .index, value: 1, exchangeTime: t0 + 1),
                PriceUpdate(symbol: "ETH", kind: .iv, value: 0, exchangeTime: t0 + 1),
            ], receivedAt: t0 + 1)
        #expect(await engine.backlog == 1)
        var reordered = book
        reordered.assets.reverse()
        _ = await engine.replace(book: reordered, now: t0 + 1)
        _ = await engine.step(now: t0 + 1.01)
        let snap = await engine.snapshot(now: t0 + 1.01)
        let eth = try #require(reordered.assets.firstIndex { $0.name == "ETH" })
        #expect(eth != book.assets.firstIndex { $0.name == "ETH" })
        #expect(snap.prices.assetPrice[eth] == 2900)
        #expect(snap.health.rejectedUpdates == 2)
    }
}
