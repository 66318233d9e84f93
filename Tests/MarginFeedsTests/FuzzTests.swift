import Foundation
import FuzzTestSupport
import MarginCore
import MarginFeeds
import Testing

/// Each feed decoder under 100,000 mutated frames (`MARGINTOP_FUZZ_CASES` to change; seeds are
/// fixed), fed through a real ``FeedCore``: no trap, and every message is accounted for exactly.
/// The core's counters move by what an independent model of the core predicts from the decoded
/// message (ticks, unmapped prices, rejections by named reason, control); every tick it delivers
/// is a valid price (finite, above zero, in range) at a representable time, in order per series;
/// no rejection sample carries a control character; and every unmodified frame decodes to
/// exactly its known prices.
struct FuzzTests {
    static let seeds: [String: [String]] = [
        "binance": [
            #"{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}"#,
            #"[{"e":"markPriceUpdate","E":1562305380000,"s":"ETHUSDT","p":"3000.1","i":"2999.9","P":"3000","r":"0.0001","T":1562306400000}]"#,
            #"{"stream":"btcusdt@markPrice@1s","data":{"e":"markPriceUpdate","E":1562305381000,"s":"BTCUSDT","p":"11795","i":"11785","r":"0","T":0}}"#,
            #"{"result":null,"id":1}"#,
            #"{"stream":"!markPrice@arr@1s","data":[{"e":"markPriceUpdate","E":1562305382000,"s":"SOLUSDT","p":"150.5","i":"150.25"}]}"#,
            #"{"id":2,"error":{"code":-1121,"msg":"Invalid symbol."}}"#,
        ],
        "deribit": [
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-PERPETUAL.100ms","data":{"timestamp":1764000000100,"instrument_name":"BTC-PERPETUAL","mark_price":60020.5,"index_price":60010.25}}}"#,
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.BTC-27DEC26-60000-C.100ms","data":{"timestamp":1764000000200,"instrument_name":"BTC-27DEC26-60000-C","mark_price":0.0825,"mark_iv":55.3,"index_price":60000.0}}}"#,
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.btc_usd","data":{"timestamp":1764000000000,"price":60010.25,"index_name":"btc_usd"}}}"#,
            #"{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}"#,
            #"{"jsonrpc":"2.0","id":2,"result":["ticker.BTC-PERPETUAL.100ms"]}"#,
            #"{"jsonrpc":"2.0","id":3,"error":{"code":13009,"message":"unauthorized"}}"#,
        ],
        "coinbase": [
            #"{"channel":"ticker","client_id":"","timestamp":"2026-11-24T12:00:00.123456789Z","sequence_num":1,"events":[{"type":"snapshot","tickers":[{"type":"ticker","product_id":"BTC-USD","price":"60012.5"},{"type":"ticker","product_id":"ETH-USD","price":"3001.25"}]}]}"#,
            #"{"channel":"heartbeats","client_id":"","timestamp":"2026-11-24T12:00:01.000Z","sequence_num":2,"events":[{"current_time":"2026-11-24 12:00:01","heartbeat_counter":"1"}]}"#,
            #"{"type":"error","message":"nope"}"#,
            #"{"channel":"subscriptions","client_id":"","timestamp":"2026-11-24T12:00:00Z","sequence_num":0,"events":[{"subscriptions":{"ticker":["BTC-USD"]}}]}"#,
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
            Expected(prices: [("SOLUSDT", .mark, 150.5), ("SOLUSDT", .index, 150.25)]),
            Expected(rejections: [RejectReason.exchangeError]),
        ],
        "deribit": [
            Expected(prices: [("BTC-PERPETUAL", .mark, 60020.5)]),
            Expected(prices: [
                ("BTC-27DEC26-60000-C", .mark, 0.0825 * 60000.0), ("BTC-27DEC26-60000-C", .iv, 55.3 / 100),
            ]),
            Expected(prices: [("btc_usd", .index, 60010.25)]),
            Expected(control: true),
            Expected(control: true),
            Expected(rejections: [RejectReason.exchangeError]),
        ],
        "coinbase": [
            Expected(prices: [("BTC-USD", .index, 60012.5), ("ETH-USD", .index, 3001.25)]),
            Expected(control: true),
            Expected(rejections: [RejectReason.exchangeError]),
            Expected(control: true),
        ],
        "ndjson": [
            Expected(prices: [("BTC", .index, 60012.5)]),
            Expected(prices: [("BTC-PERP", .mark, 60020)]),
            Expected(prices: [("BTC-C", .iv, 0.55)]),
        ],
    ]

    /// Every reason a rejection may be counted under.
    static let reasons: Set<String> = [
        RejectReason.malformedJSON, RejectReason.unknownMessage, RejectReason.missingField, RejectReason.badPrice,
        RejectReason.badTimestamp, RejectReason.badKind, RejectReason.outOfOrder, RejectReason.futureTime,
        RejectReason.missingIndex, RejectReason.exchangeError, RejectReason.noPrices,
    ]

    /// How one message moves the core's counters.
    struct Accounting: Equatable, Sendable, CustomStringConvertible {
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
            for (reason, n) in after.rejected {
                let d = n - before.rejected[reason, default: 0]
                if d != 0 { rejected[reason] = d }
            }
        }

        var description: String {
            "messages \(messages) ticks \(ticks) unmapped \(unmapped) control \(control) rejected \(rejected)"
        }
    }

    /// An independent model of ``FeedCore/ingest(_:receiveTime:)``'s bookkeeping: map, reject
    /// prices failing the one price rule (``PriceUpdate/isValid(_:kind:)``) and unrepresentable
    /// times, per-series older exchange times, and count a message that yields nothing at all as
    /// `no_prices`.
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
                guard PriceUpdate.isValid(p.value, kind: target.kind) else {
                    a.rejected[RejectReason.badPrice, default: 0] += 1
                    continue
                }
                guard Timestamp.isRepresentable(p.exchangeTime) else {
                    a.rejected[RejectReason.badTimestamp, default: 0] += 1
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

    static func makeDecoder(_ name: String) -> any MessageDecoder {
        switch name {
        case "binance": BinanceDecoder()
        case "deribit": DeribitDecoder()
        case "coinbase": CoinbaseDecoder()
        default: NDJSONTickDecoder()
        }
    }

    /// What is wrong with a delivered tick, or nil; `last` holds each series' latest time.
    static func tickProblem(_ t: PriceUpdate, last: inout [String: Double]) -> String? {
        guard t.value.isFinite, t.value > 0, PriceUpdate.isValid(t.value, kind: t.kind) else {
            return "delivered an invalid price \(t.value) for \(t.symbol) \(t.kind)"
        }
        guard t.exchangeTime.isFinite, Timestamp.isRepresentable(t.exchangeTime), t.receiveTime.isFinite else {
            return "delivered an unrepresentable time \(t.exchangeTime) for \(t.symbol)"
        }
        guard !t.symbol.isEmpty else { return "delivered a tick without a symbol" }
        let key = t.symbol + "\u{1}" + t.kind.rawValue
        if let l = last[key], t.exchangeTime < l { return "delivered \(t.symbol) at \(t.exchangeTime) after \(l)" }
        last[key] = t.exchangeTime
        return nil
    }

    /// What is wrong with a decoder's own rejections, or nil.
    static func rejectionProblem(_ rejections: [Rejection]) -> String? {
        for r in rejections {
            guard reasons.contains(r.reason) else { return "rejection under an unknown reason \(r.reason)" }
            if FuzzLog.hasControl(r.sample) {
                return "rejection sample with a control character: \(r.sample.debugDescription)"
            }
        }
        return nil
    }

    @Test(arguments: ["binance", "deribit", "coinbase", "ndjson"])
    func hundredThousandMessages(decoderName: String) async {
        let cases = FuzzLog.cases
        let start = ContinuousClock.now
        #expect(Self.expected[decoderName]!.count == Self.seeds[decoderName]!.count)
        let shards = await withTaskGroup(of: Shard.self) { group in
            for (k, range) in FuzzLog.shards(cases).enumerated() {
                let seed = UInt64(decoderName.utf8.count) * 7919 &+ UInt64(k)
                group.addTask { await Self.run(decoderName, seed: seed, cases: range) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        var log = FuzzLog()
        var total = Accounting()
        var counted = Accounting()
        for shard in shards {
            log.merge(shard.log)
            total.messages += shard.total.messages
            total.ticks += shard.total.ticks
            total.unmapped += shard.total.unmapped
            total.control += shard.total.control
            total.rejected.merge(shard.total.rejected, uniquingKeysWith: +)
            counted.messages += shard.counters.messages
            counted.ticks += shard.counters.ticks
            counted.unmapped += shard.counters.unmapped
            counted.control += shard.counters.control
            counted.rejected.merge(shard.counters.rejected.filter { $0.value != 0 }, uniquingKeysWith: +)
        }
        let unmodified = shards.map(\.unmodified).reduce(0, +)
        let unmodifiedTicks = shards.map(\.unmodifiedTicks).reduce(0, +)
        let operations = shards.reduce(into: Set<Mutator.Operation>()) { $0.formUnion($1.operations) }
        print("\(decoderName) fuzz: \(cases) cases in \(ContinuousClock.now - start): \(log.summary)")
        #expect(
            log.failures.isEmpty, "\(log.failureCount) failures, the first:\n\(log.failures.joined(separator: "\n"))")
        // The cores counted exactly the sum of what each message moved.
        #expect(counted.messages == cases && total.messages == cases)
        #expect(counted == total)
        #expect(counted.ticks + counted.control + counted.rejected.values.reduce(0, +) + counted.unmapped >= cases)
        #expect(unmodified >= cases / 10 && unmodifiedTicks > 0)
        #expect(counted.ticks > 0 && !counted.rejected.isEmpty)
        #expect(operations.count == Mutator.Operation.allCases.count || cases < 1_000)
    }

    /// What one shard of a run saw.
    struct Shard: Sendable {
        var log = FuzzLog()
        /// The sum of what each message moved the counters by.
        var total = Accounting()
        /// The core's own counters at the end.
        var counters = FeedCounters()
        var unmodified = 0
        var unmodifiedTicks = 0
        var operations: Set<Mutator.Operation> = []
    }

    /// Cases `cases` of a run through one decoder and one core.
    static func run(_ decoderName: String, seed: UInt64, cases: Range<Int>) async -> Shard {
        let seeds = Self.seeds[decoderName]!
        let expected = Self.expected[decoderName]!
        var mutator = Mutator(corpus: seeds.map { Array($0.utf8) }, seed: seed, maxSize: 8_192)
        var decoder = Self.makeDecoder(decoderName)
        // A map that leaves some symbols unmapped, to exercise that path too.
        var map = SymbolMap.passthrough
        map.set("BTCUSDT", .mark, to: "BTC-PERP")
        map.set("BTCUSDT", .index, to: "BTC")
        map.set("ETHUSDT", .mark, to: "ETH-PERP")
        map.set("BTC-PERPETUAL", .mark, to: "BTC-PERP")
        map.set("BTC-27DEC26-60000-C", .mark, to: "BTC-C60")
        map.set("BTC-27DEC26-60000-C", .iv, to: "BTC-C60")
        map.set("btc_usd", .index, to: "BTC")
        map.set("BTC-USD", .index, to: "BTC")
        map.set("BTC", .index, to: "BTC")
        let coreMap = decoderName == "ndjson" ? SymbolMap.passthrough : map
        let core = FeedCore(name: "fuzz-\(decoderName)", symbolMap: coreMap)
        var delivered = core.ticks().makeAsyncIterator()
        var model = CoreModel(map: coreMap)
        var shard = Shard()
        var lastDelivered: [String: Double] = [:]
        var before = core.counters
        for n in cases {
            // Every 64 cases the pool's thread goes to whatever else waits: on 2 cores two shards
            // would otherwise hold both of its threads for the whole run, and the async tests
            // beside them (the live loop's, the end-to-end ones) time out.
            if n % 64 == 0 { await Task.yield() }
            let input = n % 10 == 0 ? mutator.unmodified(n / 10) : mutator.next()
            let message = input.text
            if n % 16 == 0 {
                // As on a reconnect: one mutated far-future time would otherwise hold every series
                // there and leave no valid tick to check.
                core.resetOrdering()
                model.lastExchange.removeAll()
                lastDelivered.removeAll()
            }
            let decoded = decoder.decode(message)
            if let problem = Self.rejectionProblem(decoded.rejections) {
                shard.log.fail(problem, case: n, input: input)
            }
            let predicted = model.account(decoded)
            let count = core.ingest(decoded, receiveTime: 0)
            let after = core.counters
            let moved = Accounting(from: before, to: after)
            before = after
            // Exactly what was fed, nothing lost or double-counted.
            if moved != predicted {
                shard.log.fail("counters moved \(moved), expected \(predicted)", case: n, input: input)
            }
            for _ in 0..<count {
                guard let tick = await delivered.next() else {
                    shard.log.fail("the tick stream ended", case: n, input: input)
                    break
                }
                if let problem = Self.tickProblem(tick, last: &lastDelivered) {
                    shard.log.fail(problem, case: n, input: input)
                }
            }
            shard.log.count(
                moved.ticks > 0
                    ? "ticks" : moved.control > 0 ? "control" : moved.rejected.keys.sorted().first ?? "unmapped")
            if input.operations.isEmpty {
                // An unmodified frame: exactly its known prices, none silently dropped.
                let want = expected[input.base]
                shard.unmodified += 1
                shard.unmodifiedTicks += moved.ticks
                let same =
                    decoded.prices.map(\.symbol) == want.prices.map(\.symbol)
                    && decoded.prices.map(\.kind) == want.prices.map(\.kind)
                    && decoded.prices.map(\.value) == want.prices.map(\.value)
                    && decoded.isControl == want.control && decoded.rejections.map(\.reason) == want.rejections
                    && moved.ticks + moved.unmapped + moved.rejected[RejectReason.outOfOrder, default: 0]
                        == want.prices.count
                if !same {
                    shard.log.fail("unmodified frame decoded to \(decoded.prices), \(moved)", case: n, input: input)
                }
            }
            shard.total.messages += moved.messages
            shard.total.ticks += moved.ticks
            shard.total.unmapped += moved.unmapped
            shard.total.control += moved.control
            shard.total.rejected.merge(moved.rejected, uniquingKeysWith: +)
        }
        shard.counters = core.counters
        shard.operations = Set(mutator.applied.keys)
        return shard
    }
}
