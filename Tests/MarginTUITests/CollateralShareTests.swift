import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12, item 2: a collateral line's SHARE is its part of the account's gross weighted
/// collateral (it was weighted / adjusted equity: 206.2% on a healthy account, 692.0%, -108.8%,
/// -143.8% on a bankrupt one); an account's holdings add up to 100%, borrows are shown apart.
@Suite struct CollateralShareTests {
    static let snap = Fixtures.snapshot()

    static func breakdown(_ a: Int) -> AccountBreakdown {
        snap.marginBook.breakdown(
            account: a, source: snap.book.accounts[a], prices: snap.prices, stressMoves: [0],
            stressVolFactors: [1], whatIf: nil)
    }

    @Test func holdingsAddUpToOneAndBorrowsAreNegative() {
        var sawBorrow = false
        for a in 0..<Self.snap.accounts.count {
            let coll = Self.breakdown(a).collateral
            let holdings = coll.filter { $0.amount >= 0 }
            let gross = holdings.reduce(0) { $0 + $1.weighted }
            guard gross > 0 else {
                #expect(coll.allSatisfy { $0.share == nil })
                continue
            }
            let sum = holdings.reduce(0) { $0 + ($1.share ?? .nan) }
            #expect(abs(sum - 1) < 1e-12, "account \(a): holdings' shares add up to \(sum)")
            #expect(holdings.allSatisfy { ($0.share ?? -1) >= 0 && ($0.share ?? 2) <= 1 })
            for b in coll where b.amount < 0 {
                sawBorrow = true
                #expect((b.share ?? 0) < 0)
                #expect(abs((b.share ?? 0) - b.weighted / gross) < 1e-12)
            }
        }
        #expect(sawBorrow, "the fixture book has a borrow")
    }

    /// The drill-down of an account that borrows: each share as a percentage, the gross line at 100%,
    /// the borrows under their own heading; no share over 100% anywhere.
    @Test func drillDownShowsSharesOfTheGrossCollateral() throws {
        let a = try #require(
            (0..<Self.snap.accounts.count).first { a in
                let c = Self.breakdown(a).collateral
                return c.contains { $0.amount < 0 } && c.filter { $0.amount >= 0 }.count >= 2
            }, "an account with two holdings and a borrow")
        var s = Fixtures.state(rows: 60, cols: 200, snapshot: Self.snap)
        _ = drive(&s, .key(.char("/")))
        for c in Self.snap.accounts.ids[a] { _ = drive(&s, .key(.char(c))) }
        _ = drive(&s, .key(.enter))
        _ = drive(&s, .key(.enter))
        #expect(s.drill?.accountId == Self.snap.accounts.ids[a])
        // Scroll the collateral section into view.
        var text = render(s).text
        while !text.contains("borrows (weighted"), (s.drill?.scroll ?? 0) < 200 {
            _ = drive(&s, .key(.pageDown))
            text = render(s).text
        }
        let lines = text.split(separator: "\n").map(String.init)
        let gross = try #require(lines.first { $0.hasPrefix("   gross weighted collateral") })
        #expect(gross.contains("100.0%"))
        let borrowHead = try #require(lines.firstIndex { $0.contains("borrows (weighted at 1 + add-on") })
        #expect(lines.firstIndex(of: gross).map { $0 < borrowHead } == true)
        let coll = Self.breakdown(a).collateral
        for c in coll {
            let pct = try #require(c.share.map { Money.percent($0, decimals: 1) })
            #expect(lines.contains { $0.contains(c.asset) && $0.contains(pct) }, "\(c.asset) \(pct)")
        }
    }
}
