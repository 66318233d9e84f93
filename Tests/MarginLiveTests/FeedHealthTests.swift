import Testing

@testable import MarginCore
@testable import MarginLive

/// Issue 12 item 11: what the health says about a feed that never delivered or died, so the screen
/// can be honest about it.
@Suite struct FeedHealthTests {
    func engine() -> (LiveEngine, Double) {
        let book = DemoBook.generate(accounts: 40, seed: 5)
        let t0 = book.asOf.epochSeconds
        var config = LiveConfig()
        config.advanceTime = false
        return (LiveEngine(book: book, config: config, now: t0), t0)
    }

    /// Before any tick: no last tick, no latency, the feed not live since the start, and every
    /// non-stable price of no known age (stale), not as fresh as the loop's start.
    @Test func beforeAnyTickNothingPassesForFresh() async throws {
        let (engine, t0) = engine()
        _ = await engine.step(now: t0 + 1)
        let snap = await engine.snapshot(now: t0 + 1)
        let h = snap.health
        #expect(h.lastTickTime == nil)
        #expect(h.recomputeSamples == 0)
        #expect(h.feedNotLiveSince == t0)
        #expect(h.oldestPriceAge == .infinity)
        for q in snap.assets where !q.stable {
            #expect(q.stale && q.age == .infinity, "\(q.name) never ticked")
        }
        let exposed = snap.accounts.dataAge.indices.filter { snap.accounts.dataAge[$0] > 0 }
        #expect(!exposed.isEmpty)
        #expect(exposed.allSatisfy { snap.accounts.stale[$0] && snap.accounts.dataAge[$0] == .infinity })
    }

    /// A tick starts the ages from itself; a down reason is kept through the reconnects and the
    /// time it went down kept until the feed is live again.
    @Test func downReasonAndSinceFollowTheStatuses() async throws {
        let (engine, t0) = engine()
        await engine.setFeedStatus("binance", isLive: true, name: "binance", at: t0 + 1)
        await engine.submit(
            [PriceUpdate(symbol: "BTC", kind: .index, value: 59_000, exchangeTime: t0 + 1)], receivedAt: t0 + 1)
        _ = await engine.step(now: t0 + 1.01)
        var h = await engine.health(now: t0 + 1.01)
        #expect(h.lastTickTime == t0 + 1 && h.feedNotLiveSince == nil && h.recomputeSamples == 1)
        let btc = await engine.snapshot(now: t0 + 3).assets.first { $0.name == "BTC" }
        #expect(btc?.age == 2 && btc?.stale == false)

        await engine.setFeedStatus("binance down: refused", isLive: false, downReason: "refused", at: t0 + 4)
        await engine.setFeedStatus("binance reconnecting (attempt 1 in 0.5s)", isLive: false, at: t0 + 4.1)
        await engine.setFeedStatus("binance connecting", isLive: false, at: t0 + 4.6)
        h = await engine.health(now: t0 + 5)
        #expect(h.feedName == "binance" && !h.feedIsLive && !h.feedFinished)
        #expect(h.feedDownReason == "refused" && h.feedNotLiveSince == t0 + 4)
        #expect(h.feedStatus == "binance connecting")

        await engine.setFeedStatus("binance", isLive: true, at: t0 + 6)
        h = await engine.health(now: t0 + 6)
        #expect(h.feedDownReason == nil && h.feedNotLiveSince == nil)
        await engine.setFeedStatus("binance finished", isLive: false, finished: true, at: t0 + 7)
        h = await engine.health(now: t0 + 7)
        #expect(h.feedFinished && h.feedNotLiveSince == t0 + 7)
    }
}
