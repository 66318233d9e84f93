import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12, item 1: the drill-down scroll stops at the document's last screen, so `k`, Up and PgUp
/// move back at once after `G` (they did nothing: the scroll had run past the end).
@Suite struct DrillScrollTests {
    static let snap = Fixtures.snapshot()

    /// The `lines a-b/n` position shown on the drill-down's account line.
    static func position(_ s: AppState) -> (first: Int, last: Int, count: Int)? {
        let text = render(s).text
        guard let r = text.range(of: #"lines \d+-\d+/\d+"#, options: .regularExpression) else { return nil }
        let nums = text[r].dropFirst(6).split(whereSeparator: { $0 == "-" || $0 == "/" }).compactMap { Int($0) }
        return nums.count == 3 ? (nums[0], nums[1], nums[2]) : nil
    }

    @Test func gShowsTheLastScreenAndEveryKeyMovesBack() throws {
        var s = Fixtures.state(rows: 24, cols: 80, snapshot: Self.snap)
        _ = drive(&s, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        _ = drive(&s, .key(.enter))
        let top = try #require(Self.position(s))
        #expect(top.first == 1)
        let h = Layout.drillHeight(s)
        #expect(top.last == h)

        _ = drive(&s, .key(.char("G")))
        let bottom = try #require(Self.position(s))
        #expect(bottom.last == bottom.count)
        #expect(bottom.first == bottom.count - h + 1)
        #expect(s.drill?.scroll == bottom.count - h)
        // Down past the end stays on the last screen.
        _ = drive(&s, .key(.char("j")))
        _ = drive(&s, .key(.pageDown))
        #expect(Self.position(s)?.first == bottom.first)

        _ = drive(&s, .key(.char("k")))
        #expect(Self.position(s)?.first == bottom.first - 1)
        _ = drive(&s, .key(.up))
        #expect(Self.position(s)?.first == bottom.first - 2)
        _ = drive(&s, .key(.pageUp))
        #expect(Self.position(s)?.first == bottom.first - 2 - (h - 1))
        _ = drive(&s, .key(.pageUp))
        _ = drive(&s, .key(.pageUp))
        _ = drive(&s, .key(.pageUp))
        #expect(Self.position(s)?.first == 1)
    }

    /// A document that got shorter (a smaller book of reviews, a taller window) keeps the scroll in it.
    @Test func aTallerWindowClampsTheScroll() throws {
        var s = Fixtures.state(rows: 24, cols: 80, snapshot: Self.snap)
        _ = drive(&s, .key(.enter))
        _ = drive(&s, .key(.char("G")))
        let count = try #require(Self.position(s)?.count)
        _ = drive(&s, .resize(rows: 40, cols: 80))
        _ = drive(&s, .key(.char("k")))
        let p = try #require(Self.position(s))
        #expect(p.first == count - Layout.drillHeight(s))
    }
}
