import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12 item 4: the header gives way by priority: the state of the data and the clock stay
/// at every width, the operator too; a long feed status is cut before they go.
@Suite struct HeaderFieldsTests {
    func header(_ snap: LiveSnapshot, cols: Int, readOnly: Bool = false) -> String {
        let text = render(Fixtures.state(rows: 40, cols: cols, readOnly: readOnly, snapshot: snap)).text
        let line = text.split(separator: "\n", omittingEmptySubsequences: false).first ?? ""
        return String(line.reversed().drop { $0 == " " }.reversed())
    }

    @Test(arguments: [80, 100, 120, 160, 200])
    func badgeClockAndOperatorStayAtEveryWidth(cols: Int) {
        for snap in [Fixtures.snapshot(), Fixtures.deadFeed(Fixtures.snapshot())] {
            let h = header(snap, cols: cols, readOnly: true)
            #expect(h.hasSuffix("│ 12:00:12Z"), "\(cols): \(h)")
            #expect(h.contains("│ op alice │"), "\(cols): \(h)")
            #expect(h.contains("│ READ-ONLY │"), "\(cols): \(h)")
            #expect(h.contains(snap.health.feedIsLive ? " LIVE │" : " DOWN │"), "\(cols): \(h)")
            #expect(!h.contains("…│ 12"), "the clock is never cut: \(h)")
        }
    }

    /// A reason as long as the old unrounded one is cut in the feed field, not in the clock.
    @Test func longFeedStatusIsCutBeforeTheClock() {
        var snap = Fixtures.deadFeed(Fixtures.snapshot())
        snap.health.feedStatus = "binance down: " + String(repeating: "connection reset by peer ", count: 6)
        let h = header(snap, cols: 120)
        #expect(h.contains("│ feed binance down: conn"), "\(h)")
        #expect(h.contains("… │"), "\(h)")
        #expect(h.hasSuffix("│ op alice │ 12:00:12Z"), "\(h)")
        #expect(h.contains(" DOWN │") && h.contains("│ oldest no tick yet │"), "\(h)")
    }

    /// Everything fits at 200 columns, in the bar's order.
    @Test func wideHeaderKeepsEveryField() {
        let h = header(Fixtures.snapshot(), cols: 200)
        #expect(
            h.hasPrefix(
                " margintop │ overview │ LIVE │ feed live │ USD │ 50 ticks/s │ oldest 0.5s │ p99 1.5ms │ store connected │ op alice │ 12:00:12Z"
            ), "\(h)")
    }
}
