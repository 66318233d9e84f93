import Foundation
import MarginCore

/// Synthetic exchange frames in the public formats, for benchmarks and tests.
public enum SyntheticFrames {
    /// A Binance `!markPrice@arr@1s` frame with `symbols` entries (`SYM0USDT`...), prices as
    /// strings with 8 decimals like Binance sends. ~170 bytes per entry: 600 symbols ≈ 100 KB.
    public static func binanceAllSymbols(symbols: Int, eventTime: Int64 = 1_764_000_000_000, seed: UInt64 = 42)
        -> String
    {
        var rng = SplitMix64(seed: seed)
        var parts: [String] = []
        parts.reserveCapacity(symbols)
        for n in 0..<symbols {
            let base = 0.5 + rng.nextUnit() * 60_000
            let mark = String(format: "%.8f", base)
            let index = String(format: "%.8f", base * (1 + (rng.nextUnit() - 0.5) * 0.001))
            let settle = String(format: "%.8f", base * (1 + (rng.nextUnit() - 0.5) * 0.002))
            let funding = String(format: "%.8f", (rng.nextUnit() - 0.5) * 0.001)
            parts.append(
                #"{"e":"markPriceUpdate","E":\#(eventTime),"s":"S\#(n)XUSDT","p":"\#(mark)","P":"\#(settle)","i":"\#(index)","r":"\#(funding)","T":\#(eventTime + 3_600_000)}"#
            )
        }
        return "[" + parts.joined(separator: ",") + "]"
    }
}

/// Measures Binance decoding throughput: decodes `frames` all-symbols frames of `symbols`
/// entries each through ``BinanceDecoder`` and a ``FeedCore`` (mapping, validation, counting,
/// delivery to one listener) and returns ticks per second.
public func measureBinanceDecode(symbols: Int = 600, frames: Int = 200) -> Double {
    let core = FeedCore(name: "bench")
    let stream = core.ticks()
    var decoder = BinanceDecoder()
    // One event time for all frames (equal times are in order), different prices per frame.
    let texts = (0..<8).map { SyntheticFrames.binanceAllSymbols(symbols: symbols, seed: UInt64($0)) }
    let start = ContinuousClock.now
    var ticks = 0
    let receive = SystemClock().now
    for f in 0..<frames {
        let decoded = decoder.decode(texts[f % texts.count])
        ticks += decoded.prices.count
        core.ingest(decoded, receiveTime: receive)
    }
    let elapsed = (ContinuousClock.now - start).seconds
    withExtendedLifetime(stream) {}
    return Double(ticks) / max(elapsed, 1e-9)
}
