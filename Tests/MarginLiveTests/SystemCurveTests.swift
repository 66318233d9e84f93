import Testing

@testable import MarginCore
@testable import MarginLive

@Suite struct SystemCurveTests {
    /// The curve at each move equals a snapshot of the book with its prices shocked by hand.
    @Test func curveMatchesFreshComputationsOfShockedBooks() throws {
        let book = DemoBook.generate(accounts: 120, seed: 5)
        let mb = MarginBook(book: book)
        let curve = SystemCurve.compute(
            book: mb, prices: PriceState(book: book), insuranceFund: 1_000_000,
            moves: [-0.3, -0.1, 0, 0.2])
        for point in curve {
            var shocked = book
            shocked.insuranceFund = 1_000_000
            for k in shocked.assets.indices where !shocked.assets[k].stable {
                shocked.assets[k].price = (shocked.assets[k].price ?? 1) * (1 + point.move)
            }
            for k in shocked.instruments.indices {
                if let m = shocked.instruments[k].mark { shocked.instruments[k].mark = m * (1 + point.move) }
            }
            // A fresh computation of the shocked book (what `snapshot` summarises).
            let smb = MarginBook(book: shocked)
            let q = Quotes(market: smb.market)
            q.update(PriceState(book: shocked))
            let r = BookResults(unitCount: smb.unitCount)
            smb.computeAll(q, into: r)
            let (counts, shortfall) = r.summary(accountCount: smb.accountCount)
            #expect(point.liquidatable == counts[.liquidatable], "move \(point.move)")
            #expect(point.bankrupt == counts[.bankrupt], "move \(point.move)")
            #expect(abs(point.shortfall - shortfall) <= 1e-9 * max(1, shortfall), "move \(point.move)")
            #expect(abs(point.socializedLoss - max(0, shortfall - 1_000_000)) <= 1e-9 * max(1, shortfall))
        }
        #expect(curve[0].bankrupt + curve[0].liquidatable != curve[2].bankrupt + curve[2].liquidatable)
    }

    /// A slow start leaves the percentiles a minute later, before 1,024 batches have pushed it out.
    @Test func loopStatsForgetBatchesOlderThanAMinute() {
        var s = LoopStats()
        for k in 0..<20 { s.record(updates: 1, oldestReceived: Double(k) - 1.7, published: Double(k)) }
        #expect(abs(s.latencyPercentile(0.99) - 1700) < 1e-6)
        for k in 0..<100 {
            let t = 70 + Double(k) / 10
            s.record(updates: 1, oldestReceived: t - 0.05, published: t)
        }
        #expect(s.latencySamples == 100)
        #expect(abs(s.latencyPercentile(0.99) - 50) < 1e-6)
    }

    @Test func loopStatsPercentilesAndRate() {
        var s = LoopStats()
        for k in 1...100 { s.record(updates: 1, oldestReceived: 0, published: Double(k) / 1000) }
        #expect(s.latencyPercentile(0.5) == 50)
        #expect(abs(s.latencyPercentile(0.99) - 99) < 1e-9)
        s.received(300, at: 10.0)
        s.received(200, at: 10.6)
        #expect(s.ticksPerSecond(now: 10.6) == 500)
        s.received(1, at: 11.5)
        #expect(s.ticksPerSecond(now: 11.5) == 201)
    }
}
