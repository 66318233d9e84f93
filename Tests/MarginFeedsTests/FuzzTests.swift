import Foundation
import MarginCore
import MarginFeeds
import Testing

/// 10,000 random and mutated messages through each decoder: no crash, and every message is
/// accounted for exactly: the core's counters move by what an independent model of the core
/// predicts from the decoded message (ticks, unmapped prices, rejections by reason, control),
/// and every unmodified fixture decodes to exactly its known prices.
struct FuzzTests {
    static let seeds: [String: [String]] = [
        "binance": [
            #"{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}"#,
            #"[{"e":"markPriceUpdate","E":1562305380000,"s":"ETHUSDT","p":"3000.1","i":"2999.9","P":"3000","r":"0.0001","T":1562306400000}]"#,
            #"{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305381000,"s":"BTCUSDT","p":"11795","i":"11785","r":"0","T":0}}"#,
            #"{"result":null,"id":1}"#,
        ],
        "deribit": [
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-PERPETUAL.100ms","data":{"timestamp":1764000000100,"instrument_name":"BTC-PERPETUAL","mark_price":60020.5,"index_price":60010.25}}}"#,
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-27DEC26-60000-C.100ms","data":{"timestamp":1764000000200,"instrument_name":"BTC-27DEC26-60000-C","mark_price":0.0825,"mark_iv":55.3,"index_price":60000.0}}}"#,
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.btc_usd","data":{"timestamp":1764000000000,"price":60010.25,"index_name":"btc_usd"}}}"#,
            #"{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}"#,
            #"{"jsonrpc":"2.0","id":2,"result":["ticker.BTC-PERPETUAL.100ms"]}"#,
        ],
        "coinbase": [
            #"{"channel":"ticker","client_id":"","timestamp":"2026-11-24T12:00:00.123456789Z","sequence_num":1,"events":[{"type":"snapshot","tickers":[{"type":"ticker","product_id":"BTC-USD","price":"60012.5"},{"type":"ticker","product_id":"ETH-USD","price":"3001.25"}]}]}"#,
            #"{"channel":"heartbeats","client_id":"","timestamp":"2026-11-24T12:00:01.000Z","sequence_num":2,"events":[{"current_time":"2026-11-24 12:00:01","heartbeat_counter":"1"}]}"#,
            #"{"type":"error","message":"nope"}"#,
        ],
        "ndjson": [
            #"{"ts":"2026-11-24T12:00:00.123Z","symbol":"BTC","kind":"index","price":60012.5}"#,
            #"{"ts":1764000000000,"symbol":"BTC-PERP","kind":"mark","price":"60020"}"#,
            #"{"ts":"2026-11-24T12:00:00Z","symbol":"BTC-C","kind":"iv","price":0.55}"#,
        ],
    ]

    /// What each seed (same order as ``seeds``) decodes to when sent unmodified.
    struct Expected {
        var prices: [(symbol: String, kind: PriceKind, value: Double)] = []
        var control = false
        var rejections: [String] = []
    }

    static let expected: [String: [Expected]] = [
        "binance": [
            Expected(prices: [("BTCUSDT", .mark, 11794.15), ("BTCUSDT", .index, 11784.62659091)]),
            Expected(prices: [("ETHUSDT", .mark, 3000.1), ("ETHUSDT", .index, 2999.9)]),
            Expected(prices: [("BTCUSDT", .mark, 11795), ("BTCUSDT", .index, 11785)]),
            Expected(control: true),
        ],
        "deribit": [
            Expected(prices: [("BTC-PERPETUAL", .mark, 60020.5)]),
            Expected(prices: [
                ("BTC-27DEC26-60000-C", .mark, 0.0825 * 60000.0), ("BTC-27DEC26-60000-C", .iv, 55.3 / 100),
            ]),
            Expected(prices: [("btc_usd", .index, 60010.25)]),
            Expected(control: true),
            Expected(control: true),
        ],
        "coinbase": [
            Expected(prices: [("BTC-USD", .index, 60012.5), ("ETH-USD", .index, 3001.25)]),
            Expected(control: true),
            Expected(rejections: [RejectReason.exchangeError]),
        ],
        "ndjson": [
            Expected(prices: [("BTC", .index, 60012.5)]),
            Expected(prices: [("BTC-PERP", .mark, 60020)]),
            Expected(prices: [("BTC-C", .iv, 0.55)]),
        ],
    ]

    /// How one message moves the core's counters.
    struct Accounting: Equatable, CustomStringConvertible {
        var messages = 0
        var ticks = 0
        var unmapped = 0
        var control = 0
        var rejected: [String: Int] = [:]

        init() {}

        /// The difference between two counter snapshots (zero reasons left out).
        init(from before: FeedCounters, to after: FeedCounters) {
            messages = after.messages - before.messages
            ticks = after.ticks - before.ticks
            unmapped = after.unmapped - before.unmapped
            control = after.control - before.control
            for reason in Set(before.rejected.keys).union(after.rejected.keys) {
                let d = after.rejected[reason, default: 0] - before.rejected[reason, default: 0]
                if d != 0 { rejected[reason] = d }
            }
        }

        var description: String {
            "messages \(messages) ticks \(ticks) unmapped \(unmapped) control \(control) rejected \(rejected)"
        }
    }

    /// An independent model of ``FeedCore/ingest(_:receiveTime:)``'s bookkeeping: map, reject
    /// non-positive/non-finite prices, implied vols above 10, per-series older exchange times, and count a message
    /// that yields nothing at all as `no_prices`.
    struct CoreModel {
        let map: SymbolMap
        var lastExchange: [String: Double] = [:]

        mutating func account(_ m: DecodedMessage) -> Accounting {
            var a = Accounting()
            a.messages = 1
            a.control = m.isControl ? 1 : 0
            for r in m.rejections { a.rejected[r.reason, default: 0] += 1 }
            for p in m.prices {
                guard let target = map.resolve(p.symbol, p.kind) else {
                    a.unmapped += 1
                    continue
                }
                // Implied vols above 1000 % are feed faults.
                guard p.value.isFinite, p.value > 0, target.kind != .iv || p.value <= 10 else {
                    a.rejected[RejectReason.badPrice, default: 0] += 1
                    continue
                }
                let key = target.symbol + "\u{1}" + target.kind.rawValue
                if let last = lastExchange[key], p.exchangeTime < last {
                    a.rejected[RejectReason.outOfOrder, default: 0] += 1
                    continue
                }
                lastExchange[key] = p.exchangeTime
                a.ticks += 1
            }
            if a.ticks == 0 && a.unmapped == 0 && a.rejected.isEmpty && !m.isControl {
                a.rejected[RejectReason.noPrices] = 1
            }
            return a
        }
    }

    static let junk = [
        "\"NaN\"", "\"-1\"", "\"0\"", "\"1e309\"", "-0", "1e400", "null", "true", "[]", "{}", "\"\"", "\"abc\"",
        "12345678901234567890123", "\"\\u0000\"", "[[[[[[]]]]]]", "\"2026-13-45T99:99:99Z\"", "-1.5", "0.0",
    ]

    static func mutate(_ text: String, rng: inout SplitMix64) -> String {
        var bytes = Array(text.utf8)
        let ops = 1 + Int(rng.next() % 3)
        for _ in 0..<ops {
            switch rng.next() % 9 {
            case 0 where !bytes.isEmpty:  // flip a byte
                let i = Int(rng.next() % UInt64(bytes.count))
                bytes[i] = UInt8(truncatingIfNeeded: rng.next())
            case 1 where !bytes.isEmpty:  // truncate
                bytes = Array(bytes.prefix(Int(rng.next() % UInt64(bytes.count))))
            case 2:  // insert a structural character
                let chars = Array("{}[]\",:\\0-.e ".utf8)
                let i = bytes.isEmpty ? 0 : Int(rng.next() % UInt64(bytes.count + 1))
                bytes.insert(chars[Int(rng.next() % UInt64(chars.count))], at: i)
            case 3, 4:  // replace a value after a colon with junk
                let colons = bytes.indices.filter { bytes[$0] == UInt8(ascii: ":") }
                if let c = colons.isEmpty ? nil : colons[Int(rng.next() % UInt64(colons.count))] {
                    var end = c + 1
                    var depth = 0
                    var inString = false
                    while end < bytes.count {
                        let b = bytes[end]
                        if inString {
                            if b == UInt8(ascii: "\\") { end += 1 } else if b == UInt8(ascii: "\"") { inString = false }
                        } else if b == UInt8(ascii: "\"") {
                            inString = true
                        } else if b == UInt8(ascii: "{") || b == UInt8(ascii: "[") {
                            depth += 1
                        } else if b == UInt8(ascii: "}") || b == UInt8(ascii: "]") {
                            if depth == 0 { break }
                            depth -= 1
                        } else if b == UInt8(ascii: ","), depth == 0 {
                            break
                        }
                        end += 1
                    }
                    let j = Array(junk[Int(rng.next() % UInt64(junk.count))].utf8)
                    bytes.replaceSubrange((c + 1)..<min(end, bytes.count), with: j)
                }
            case 5:  // delete a key/value pair
                if let comma = bytes.firstIndex(of: UInt8(ascii: ",")), comma + 1 < bytes.count {
                    let next = bytes[(comma + 1)...].firstIndex(of: UInt8(ascii: ",")) ?? bytes.count - 1
                    bytes.removeSubrange(comma..<next)
                }
            case 6:  // duplicate the whole message (trailing garbage)
                bytes += bytes
            case 7:  // random bytes
                bytes = (0..<Int(rng.next() % 64)).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
            default:  // deep nesting
                let depth = Int(rng.next() % 200)
                bytes =
                    Array(repeating: UInt8(ascii: "["), count: depth) + bytes
                    + Array(repeating: UInt8(ascii: "]"), count: depth)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    static func makeDecoder(_ name: String) -> any MessageDecoder {
        switch name {
        case "binance": BinanceDecoder()
        case "deribit": DeribitDecoder()
        case "coinbase": CoinbaseDecoder()
        default: NDJSONTickDecoder()
        }
    }

    @Test(arguments: ["binance", "deribit", "coinbase", "ndjson"])
    func tenThousandMessages(decoderName: String) {
        var rng = SplitMix64(seed: UInt64(decoderName.utf8.count) * 7919)
        var decoder = Self.makeDecoder(decoderName)
        // A map that leaves some symbols unmapped, to exercise that path too.
        var map = SymbolMap.passthrough
        map.set("BTCUSDT", .mark, to: "BTC-PERP")
        map.set("BTC-PERPETUAL", .mark, to: "BTC-PERP")
        map.set("btc_usd", .index, to: "BTC")
        map.set("BTC-USD", .index, to: "BTC")
        map.set("BTC", .index, to: "BTC")
        let coreMap = decoderName == "ndjson" ? SymbolMap.passthrough : map
        let core = FeedCore(name: "fuzz-\(decoderName)", symbolMap: coreMap)
        var model = CoreModel(map: coreMap)
        let seeds = Self.seeds[decoderName]!
        let expected = Self.expected[decoderName]!
        #expect(expected.count == seeds.count)
        var before = core.counters
        var total = Accounting()
        var unmodified = 0
        var unmodifiedTicks = 0
        for n in 0..<10_000 {
            let seed = Int(rng.next() % UInt64(seeds.count))
            let base = seeds[seed]
            let message = n % 10 == 0 ? base : Self.mutate(base, rng: &rng)
            let decoded = decoder.decode(message)
            for p in decoded.prices where p.value.isFinite && p.value > 0 { #expect(!p.symbol.isEmpty) }
            let predicted = model.account(decoded)
            core.ingest(decoded, receiveTime: 0)
            let after = core.counters
            let moved = Accounting(from: before, to: after)
            // Exactly what was fed, nothing lost or double-counted.
            #expect(moved == predicted, "message \(n): counters moved \(moved), expected \(predicted): \(message)")
            if message == base {
                // An unmodified fixture: exactly its known prices, none silently dropped.
                let want = expected[seed]
                unmodified += 1
                unmodifiedTicks += moved.ticks
                #expect(decoded.prices.map(\.symbol) == want.prices.map(\.symbol), "message \(n): \(message)")
                #expect(decoded.prices.map(\.kind) == want.prices.map(\.kind), "message \(n): \(message)")
                #expect(decoded.prices.map(\.value) == want.prices.map(\.value), "message \(n): \(message)")
                #expect(
                    decoded.isControl == want.control && decoded.rejections.map(\.reason) == want.rejections,
                    "message \(n): \(message)")
                #expect(
                    moved.ticks + moved.unmapped + moved.rejected[RejectReason.outOfOrder, default: 0]
                        == want.prices.count,
                    "message \(n): \(moved)")
            }
            total.messages += moved.messages
            total.ticks += moved.ticks
            total.unmapped += moved.unmapped
            total.control += moved.control
            total.rejected.merge(moved.rejected, uniquingKeysWith: +)
            before = after
        }
        let c = core.counters
        #expect(c.messages == 10_000 && total.messages == 10_000)
        #expect(c.ticks == total.ticks && c.unmapped == total.unmapped && c.control == total.control)
        #expect(c.rejected.filter { $0.value != 0 } == total.rejected)
        #expect(unmodified >= 1_000 && unmodifiedTicks > 0)
        #expect(c.ticks > 0 && c.rejectedTotal > 0)
    }
}
