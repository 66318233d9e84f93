import Foundation
import Testing

@testable import MarginCore
@testable import MarginLive

/// A snapshot worked out in parts on several threads equals the one worked out in one part,
/// column for column and bit for bit: every per-account figure, the counts, the shortfall and
/// the priority order.
@Suite struct SnapshotPartsTests {
    @Test func partsGiveTheSnapshotOfOnePart() {
        var book = DemoBook.generate(accounts: 1_500, seed: 21)
        // Ties for the priority order (empty accounts, copies) and accounts of every state.
        for a in stride(from: 0, to: 1_500, by: 70) { book.accounts[a].subaccounts = [] }
        for a in stride(from: 1, to: 1_400, by: 90) { book.accounts[a + 1].subaccounts = book.accounts[a].subaccounts }
        let start = book.asOf.epochSeconds
        let live = LiveBook(book: book, now: start)
        // Prices moved and some of them stale; part of the book analysed.
        let m = live.marginBook.market
        let updates = (0..<m.assetCount).filter { !m.stable[$0] && $0 % 2 == 0 }.map { a in
            PriceUpdate(
                symbol: m.assetNames[a], kind: .index, value: live.prices.assetPrice[a] * 0.93,
                exchangeTime: start + 1, receiveTime: start + 1)
        }
        live.apply(updates, now: start + 1)
        live.analyse(Array(stride(from: 0, to: 1_500, by: 4)), now: start + 1, liquidationPrices: false)
        let capture = live.capture(now: start + 200)
        let one = capture.finish(parts: 1)
        #expect(one.counts[.liquidatable, default: 0] > 0 && one.counts[.safe, default: 0] > 0)
        #expect(one.accounts.stale.contains(true) && one.accounts.stale.contains(false))
        for parts in [2, 3, 8] {
            let got = capture.finish(parts: parts)
            let (a, b) = (got.accounts, one.accounts)
            #expect(got.priority == one.priority, "\(parts) parts")
            #expect(got.counts == one.counts && got.shortfall.bitPattern == one.shortfall.bitPattern)
            #expect(a.marginRatio.map(\.bitPattern) == b.marginRatio.map(\.bitPattern))
            #expect(a.distance.map(\.bitPattern) == b.distance.map(\.bitPattern))
            #expect(a.analysedAt == b.analysedAt && a.stale == b.stale && a.held == b.held)
            #expect(a.dataAge == b.dataAge)
            #expect(a.largestExposure.map(\.asset) == b.largestExposure.map(\.asset))
            #expect(a.largestExposure.map(\.notional.bitPattern) == b.largestExposure.map(\.notional.bitPattern))
        }
        // The parts cover every account: none is left at its initial value.
        let notional = one.accounts.largestExposure.map(\.notional)
        #expect(capture.finish(parts: 8).accounts.largestExposure.map(\.notional) == notional)
        #expect(notional.filter { $0 > 0 }.count > 1_300)
    }

    /// A book without accounts (a new venue, an emptied store) still gives a snapshot.
    @Test func aBookWithoutAccountsHasASnapshot() {
        var book = DemoBook.generate(accounts: 3, seed: 2)
        book.accounts = []
        let live = LiveBook(book: book, now: book.asOf.epochSeconds)
        let snap = live.snapshot(now: book.asOf.epochSeconds + 1)
        #expect(snap.accounts.count == 0 && snap.priority.isEmpty && snap.counts.values.reduce(0, +) == 0)
        #expect(snap.shortfall == 0 && !snap.assets.isEmpty)
    }
}
