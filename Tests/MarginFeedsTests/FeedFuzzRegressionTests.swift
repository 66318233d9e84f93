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
}
