import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12 item 11: with dead data the screen says so: a banner (what, since when, why), the
/// badge, ages from the last real tick, no latency before a recompute, and the counts line's caveat.
@Suite struct DataStatusTests {
    static let snap = Fixtures.snapshot()

    func lines(_ snap: LiveSnapshot, cols: Int = 200) -> [String] {
        render(Fixtures.state(rows: 40, cols: cols, snapshot: snap)).text.split(
            separator: "\n", omittingEmptySubsequences: false
        ).map(String.init)
    }

    @Test func liveDataHasNoBannerAndSaysLive() {
        let d = DataStatus(Self.snap)
        #expect(d.kind == .live && d.badge == "LIVE" && d.banner == nil && d.caveat == nil)
        let l = lines(Self.snap)
        #expect(l[0].contains("│ LIVE │") && l[0].contains("p99 1.5ms") && l[0].contains("oldest 0.5s"))
        #expect(l[1].hasPrefix(" safe 21"))
    }

    @Test func deadFeedBeforeAnyTick() {
        let dead = Fixtures.deadFeed(Self.snap, downFor: 41)
        let d = DataStatus(dead)
        #expect(d.kind == .down && d.badge == "DOWN")
        let l = lines(dead)
        #expect(l[0].contains("│ DOWN │") && !l[0].contains("LIVE"))
        #expect(l[0].contains("oldest no tick yet") && l[0].contains("p99 - "))
        #expect(l[1].contains("FEED DOWN since 11:59:31Z (41s): Connection refused"))
        #expect(l[1].contains("no price received yet"))
        #expect(l[2].hasPrefix(" figures on the book's stored prices: safe 21"))
        // The table's ages: never ticked, not the loop's start.
        #expect(l.contains { $0.contains("ACC-100031") && $0.contains("never") })
    }

    @Test func deadFeedAfterTicksCountsFromTheLastTick() {
        let dead = Fixtures.deadFeed(Self.snap, downFor: 8, ticked: true)
        let l = lines(dead)
        #expect(l[1].contains("FEED DOWN since 12:00:04Z (8.0s)") && l[1].contains("last tick 12:00:04Z, 8.0s ago"))
        #expect(l[2].hasPrefix(" figures on prices up to 8.0s old: "))
        #expect(l[0].contains("oldest 8.0s"))
    }

    @Test func connectingWithoutAnyTickIsStale() {
        var s = Fixtures.deadFeed(Self.snap)
        s.health.feedDownReason = nil
        s.health.feedStatus = "sim connecting"
        s.health.feedName = "sim"
        let d = DataStatus(s)
        #expect(d.kind == .noPrices && d.badge == "STALE")
        #expect(d.banner?.hasPrefix("NO PRICES YET: waiting for sim since 11:59:31Z (41s)") == true)
    }

    @Test func liveFeedWithOldPricesIsStale() {
        var s = Self.snap
        let k = s.assets.firstIndex { $0.name == "ETH" }!
        s.assets[k].age = 9
        s.assets[k].stale = true
        s.health.oldestPriceAge = 9
        let d = DataStatus(s)
        #expect(d.kind == .stale && d.badge == "STALE")
        #expect(d.banner?.hasPrefix("STALE PRICES: ETH, no tick since 12:00:03Z (9.0s), over staleAfter 5.0s") == true)
        #expect(d.caveat == "figures on prices up to 9.0s old")
    }

    @Test func finishedReplaySaysReplayEnded() {
        var s = Self.snap
        s.health.feedName = "replay"
        s.health.feedIsLive = false
        s.health.feedFinished = true
        s.health.feedNotLiveSince = s.time - 3
        let d = DataStatus(s)
        #expect(d.kind == .ended && d.badge == "REPLAY ENDED")
        #expect(lines(s)[0].contains("│ REPLAY ENDED │"))
        #expect(d.banner?.hasPrefix("REPLAY ENDED since 12:00:09Z (3.0s): prices frozen") == true)
    }

    /// The banner takes a row: the table starts one lower, and the cursor's page follows.
    @Test func bannerShiftsTheTable() {
        let live = Fixtures.state(rows: 40, cols: 120, snapshot: Self.snap)
        let dead = Fixtures.state(rows: 40, cols: 120, snapshot: Fixtures.deadFeed(Self.snap))
        #expect(Layout.tableTop(dead) == Layout.tableTop(live) + 1)
    }
}
