import MarginCore
import MarginFeeds
import Testing

/// The exact inputs with which the feed fuzzer (``FuzzTests``) broke a decoder, each kept as a
/// test that failed before its fix.
struct FeedFuzzRegressionTests {
    /// A frame with a raw control character (here 0x1F, after a mutated `"kind"`) was kept raw
    /// in its rejection's sample, which goes to the log as it is.
    @Test func rejectionSamplesCarryNoControlCharacter() {
        let input = "{\"ts\":[\"60000\"],\"symbol\":\"BTC-PERP\",\"kind\":\",\u{1F}E\u{FFFD}mark\",\"price\":\"60020\"}"
        var decoder = NDJSONTickDecoder()
        let m = decoder.decode(input)
        #expect(m.rejections.map(\.reason) == [RejectReason.malformedJSON])
        #expect(
            m.rejections.first?.sample
                == "{\"ts\":[\"60000\"],\"symbol\":\"BTC-PERP\",\"kind\":\",^_E\u{FFFD}mark\",\"price\":\"60020\"}")
        var binance = BinanceDecoder()
        let title = binance.decode("{\"e\":\"markPriceUpdate\",\"s\":\"\\u001b]0;pwned\\u0007\",\"E\":\"x\"}")
        #expect(
            title.rejections.map(\.sample) == [
                "{\"e\":\"markPriceUpdate\",\"s\":\"\\u001b]0;pwned\\u0007\",\"E\":\"x\"}"
            ])
        let raw = binance.decode("\u{1B}]0;pwned\u{07}\u{9B}2J")
        #expect(raw.rejections.map(\.sample) == ["^[]0;pwned^GM-^[2J"])
    }

    /// What the replay fuzzer (``ReplayFuzzTests``) found in `ReplaySource`'s CSV reader:
    /// `Int("-5")` parses, so a signed time field was taken. The fuzzer's
    /// `2019-10-17 13:-9223372036854775808:00` traps on `mi * 60` (arithmetic overflow: the process
    /// dies), and `2019-10-17 -1:59:59` becomes 2019-10-16T23:59:59Z; `2019-1--17` (empty fields
    /// dropped by `split`) reads as 2019-01-17; a row with an empty symbol becomes a tick for "".
    @Test
    func replayCSVRowsAreReadStrictly() throws {
        let header = "date,symbol,open,high,low,close\r\n"
        let good = "2019-10-17 23:59:59,ETHUSDT,1,1,1,180.25\r\n"
        for bad in [
            "2019-10-17 13:-9223372036854775808:00,BTC-USD,1,1,1,8035.5\r\n",
            "2019-10-17 -9223372036854775808:00:00,BTC-USD,1,1,1,8035.5\r\n",
            "2019-10-17 -1:59:59,BTC-USD,1,1,1,8035.5\r\n", "2019-10-17 +1:00,BTC-USD,1,1,1,8035.5\r\n",
            "2019-1--17 23:59:59,BTC-USD,1,1,1,8035.5\r\n",
            "2019-10-17 -9223372036854775808-AM,BTC-USD,1,1,1,8035.5\r\n",
        ] {
            let source = try ReplaySource.parse(header + bad + good, file: "fuzz.csv")
            #expect(source.items.count == 2, "\(bad)")
            #expect(source.prices.map(\.exchangeTime) == [1_571_356_799], "\(bad)")  // 2019-10-17T23:59:59Z
            guard case .rejected(let r)? = source.items.first else {
                Issue.record("\(bad) was not rejected")
                continue
            }
            #expect(r.reason == RejectReason.badTimestamp, "\(bad)")
        }
        let empty = try ReplaySource.parse(header + "2019-10-17 13:00:00,,1,1,1,8035.5\r\n" + good, file: "fuzz.csv")
        #expect(
            empty.items.first
                == .rejected(Rejection(RejectReason.missingField, "line 2: 2019-10-17 13:00:00,,1,1,1,8035.5")))
        #expect(empty.prices.map(\.symbol) == ["ETH"])
    }
}
