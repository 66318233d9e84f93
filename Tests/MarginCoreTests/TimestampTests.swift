import Testing

@testable import MarginCore

@Suite struct TimestampTests {
    @Test func strictIsForBooksAndLenientForFeeds() {
        let exchange = "2023-02-09 20:30:37.167359596z"
        #expect(Timestamp.parse(exchange) == nil)
        #expect(Timestamp.parse("2026-11-24t12:00:00Z") == nil)
        #expect(Timestamp.parse("2026-11-24T23:59:60Z") == nil)
        #expect(Timestamp.parseLenient(exchange) == 1_675_974_637 + 0.167359596)
        #expect(Timestamp.parseLenient("2026-11-24T23:59:60Z") != nil)
        #expect(Timestamp.parseLenient("2026-11-24T12:00:00") == nil)
        #expect(Timestamp.parseLenient("2026-11-24T12:00:00+24:00") == nil)
        let book = Timestamp.parse("2026-11-24T14:00:00.123+02:00")
        #expect(book?.text == "2026-11-24T14:00:00.123+02:00")
        #expect(book?.epochSeconds == Timestamp.parseLenient("2026-11-24T12:00:00.123Z"))
    }

    @Test func formatsWithOptionalOrFixedMilliseconds() {
        #expect(Timestamp.format(1_764_000_000) == "2025-11-24T16:00:00Z")
        #expect(Timestamp.format(1_764_000_000, fixedMilliseconds: true) == "2025-11-24T16:00:00.000Z")
        #expect(Timestamp.format(-0.001) == "1969-12-31T23:59:59.999Z")
        #expect(Timestamp.seconds(milliseconds: Timestamp.milliseconds(1_764_000_000.1234)) == 1_764_000_000.123)
    }
}
