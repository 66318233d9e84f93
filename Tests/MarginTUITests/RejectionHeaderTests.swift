import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 10 item 10: refused updates show in the header as `rej N`, and only when there are some,
/// so a clean feed's bar (and every golden screen) is unchanged.
@Suite struct RejectionHeaderTests {
    func header(feedRejected: [String: Int], bookRejected: Int = 0) -> String {
        var snap = Fixtures.snapshot()
        snap.health.feedRejected = feedRejected
        snap.health.rejectedUpdates = bookRejected
        let text = render(Fixtures.state(rows: 40, cols: 200, snapshot: snap)).text
        return String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }

    @Test func headerCountsFeedAndBookRejections() {
        #expect(header(feedRejected: ["malformed_json": 10, "bad_price": 4]).contains("│ rej 14 "))
        #expect(header(feedRejected: ["bad_price": 1], bookRejected: 2).contains("│ rej 3 "))
        #expect(!header(feedRejected: [:]).contains("rej"))
    }
}
