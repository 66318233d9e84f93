import Foundation
import Testing

/// Issue 10 item 10: what a feed refuses is counted by reason where an operator looks: in the
/// `watch --headless` summaries and in `record`'s closing line.
@Suite struct FeedRejectionTests {
    /// Two good ticks and 14 bad lines: malformed, hex and non-finite prices, bad kinds, bad times.
    static let ticks =
        [
            #"{"ts":"2026-11-24T12:00:00.000Z","symbol":"BTC","kind":"index","price":60000}"#,
            "not json", "{", "[1,", "}", "{\"ts\":", "nope nope", "{}}", "]", "{\"a\":}", "{,}",
            #"{"ts":"2026-11-24T12:00:01.000Z","symbol":"BTC","kind":"index","price":"0x10"}"#,
            #"{"ts":"2026-11-24T12:00:01.000Z","symbol":"BTC","kind":"index","price":"0x1p16"}"#,
            #"{"ts":"2026-11-24T12:00:01.000Z","symbol":"BTC","kind":"index","price":"nan"}"#,
            #"{"ts":"2026-11-24T12:00:01.000Z","symbol":"BTC","kind":"weird","price":1}"#,
            #"{"ts":"2026-11-24T12:00:02.000Z","symbol":"BTC","kind":"index","price":60010}"#,
        ].joined(separator: "\n") + "\n"

    static let reasons: [String: Int] = ["malformed_json": 10, "bad_price": 3, "bad_kind": 1]

    @Test func watchSummaryCountsFeedRejectionsByReason() async throws {
        let cli = CLITests()
        let file = try cli.tempFile(Self.ticks, name: "ticks.ndjson")
        let book = CLITests.fixtures.appendingPathComponent("watch-book.json").path
        let r = try await cli.run(["watch", "--headless", "--book", book, "--feed", "replay:\(file),speed=max"])
        #expect(r.status == 0, "\(r.stderr)")
        let summaries = r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }.filter { $0["type"] as? String == "summary" }
        let last = try #require(summaries.last)
        #expect(last["rejectedUpdates"] as? Int == 14)
        #expect(last["rejectedByReason"] as? [String: Int] == Self.reasons)
    }

    @Test func recordClosingLineCountsRejectionsByReason() async throws {
        let cli = CLITests()
        let file = try cli.tempFile(Self.ticks, name: "ticks.ndjson")
        let out = try cli.tempFile("", name: "out.ndjson")
        let r = try await cli.run(["record", "--feed", "ndjson:\(file)", "--out", out])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            r.stderr.contains(
                "recorded 2 ticks to \(out) (14 rejected: malformed_json 10, bad_price 3, bad_kind 1)"),
            "\(r.stderr)")
        #expect(try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n").count == 2)
    }
}
