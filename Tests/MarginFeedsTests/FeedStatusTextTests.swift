import MarginFeeds
import Testing

/// Issue 12 item 4: a feed status reads as an operator would say it, its delay rounded where the
/// text is made (`attempt 7 in 26s`, never `25.941799841999998 seconds`).
@Suite struct FeedStatusTextTests {
    @Test func reconnectDelaysAreRounded() {
        func text(_ d: Duration) -> String { FeedStatus.reconnecting(attempt: 7, nextDelay: d).description }
        #expect(text(.nanoseconds(25_941_799_841)) == "reconnecting (attempt 7 in 26s)")
        #expect(text(.milliseconds(1_600)) == "reconnecting (attempt 7 in 1.6s)")
        #expect(text(.milliseconds(449)) == "reconnecting (attempt 7 in 0.4s)")
        #expect(text(.milliseconds(9_960)) == "reconnecting (attempt 7 in 10s)")
        #expect(text(.seconds(90)) == "reconnecting (attempt 7 in 90s)")
    }
}
