import Foundation
import MarginCore
import MarginFeeds
import Testing

struct BinanceDecoderTests {
    /// Expected ticks for an array frame, computed with Foundation's JSONSerialization (an
    /// independent parser).
    static func expectedTicks(_ frame: String) -> [(symbol: String, kind: PriceKind, value: Double)] {
        guard let array = try? JSONSerialization.jsonObject(with: Data(frame.utf8)) as? [[String: Any]] else {
            return []
        }
        var out: [(String, PriceKind, Double)] = []
        for item in array {
            let s = item["s"] as? String ?? ""
            out.append((s, .mark, Double(item["p"] as? String ?? "") ?? .nan))
            out.append((s, .index, Double(item["i"] as? String ?? "") ?? .nan))
        }
        return out
    }

    @Test func singleArrayAndCombinedForms() {
        var d = BinanceDecoder()
        let single =
            #"{"e":"markPriceUpdate","E":1562305380000,"s":"BTCUSDT","p":"11794.15000000","i":"11784.62659091","P":"11784.25641265","r":"0.00038167","T":1562306400000}"#
        let m = d.decode(single)
        #expect(
            m.prices == [
                PriceUpdate(symbol: "BTCUSDT", kind: .mark, value: 11794.15, exchangeTime: 1_562_305_380),
                PriceUpdate(symbol: "BTCUSDT", kind: .index, value: 11784.62659091, exchangeTime: 1_562_305_380),
            ])
        #expect(d.decode("[\(single),\(single)]").prices.count == 4)
        #expect(d.decode(#"{"stream":"btcusdt@markPrice@1s","data":\#(single)}"#).prices.count == 2)
        #expect(d.decode(#"{"stream":"!markPrice@arr@1s","data":[\#(single)]}"#).prices.count == 2)
        #expect(d.decode(#"{"result":null,"id":1}"#).isControl)
        #expect(d.decode(#"{"e":"kline"}"#).rejections.map(\.reason) == ["unknown_message"])
        #expect(d.decode("]").rejections.map(\.reason) == ["malformed_json"])
    }

    @Test func allSymbolsFrameMatchesIndependentParser() {
        let frame = SyntheticFrames.binanceAllSymbols(symbols: 600)
        var d = BinanceDecoder()
        let got = d.decode(frame).prices
        let expected = Self.expectedTicks(frame)
        #expect(got.count == 1200)
        #expect(got.map(\.symbol) == expected.map(\.symbol))
        #expect(got.map(\.value) == expected.map(\.value))
    }
}

struct DeribitDecoderTests {
    @Test func optionMarkUsesLatestIndexWhenTickerLacksIt() {
        var d = DeribitDecoder()
        let noIndex =
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"ticker.ETH-27DEC26-3000-C.100ms","data":{"timestamp":1764000000000,"instrument_name":"ETH-27DEC26-3000-C","mark_price":0.05,"mark_iv":70}}}"#
        #expect(d.decode(noIndex).rejections.map(\.reason) == ["missing_index"])
        _ = d.decode(
            #"{"jsonrpc":"2.0","method":"subscription","params":{"channel":"deribit_price_index.eth_usd","data":{"timestamp":1764000000000,"price":3000.5,"index_name":"eth_usd"}}}"#
        )
        let m = d.decode(noIndex)
        #expect(m.prices.map(\.value) == [0.05 * 3000.5, 0.7])
        #expect(m.prices.map(\.kind) == [.mark, .iv])
    }

    @Test func heartbeatGetsAnswered() {
        var d = DeribitDecoder()
        let m = d.decode(#"{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"test_request"}}"#)
        #expect(m.isControl && m.replies.count == 1 && m.replies[0].contains(#""method":"public/test""#))
        #expect(d.decode(#"{"jsonrpc":"2.0","method":"heartbeat","params":{"type":"heartbeat"}}"#).replies.isEmpty)
        #expect(
            d.decode(#"{"jsonrpc":"2.0","id":3,"error":{"code":10001,"message":"bad"}}"#).rejections.map(\.reason) == [
                "exchange_error"
            ])
        let subs = DeribitDecoder.subscribeMessages(instruments: ["BTC-PERPETUAL"], indexes: ["btc_usd"])
        #expect(subs[1].contains(#""ticker.BTC-PERPETUAL.100ms","deribit_price_index.btc_usd""#))
    }

    @Test func linearOptionIsNotConverted() {
        #expect(DeribitDecoder.isInverseOption("BTC-27DEC26-60000-C"))
        #expect(!DeribitDecoder.isInverseOption("SOL_USDC-27DEC26-150-P"))
        #expect(!DeribitDecoder.isInverseOption("BTC-PERPETUAL"))
        #expect(!DeribitDecoder.isInverseOption("BTC-27DEC26"))
    }
}

struct CoinbaseDecoderTests {
    @Test func routesOnChannel() {
        var d = CoinbaseDecoder()
        #expect(d.decode(#"{"channel":"heartbeats","events":[]}"#).isControl)
        #expect(
            d.decode(#"{"type":"error","message":"failure to subscribe"}"#).rejections.map(\.reason) == [
                "exchange_error"
            ])
        #expect(d.decode(#"{"channel":"level2","events":[]}"#).rejections.map(\.reason) == ["unknown_message"])
        let m = d.decode(
            #"{"channel":"ticker","timestamp":"2023-02-09T20:30:37.167359596Z","sequence_num":0,"events":[{"type":"update","tickers":[{"type":"ticker","product_id":"BTC-USD","price":"21932.98"}]}]}"#
        )
        #expect(m.prices.map(\.value) == [21932.98])
        #expect(Timestamp.format(m.prices[0].exchangeTime, fixedMilliseconds: true) == "2023-02-09T20:30:37.167Z")
        let subs = CoinbaseDecoder.subscribeMessages(products: ["BTC-USD"])
        #expect(
            subs == [
                #"{"type":"subscribe","product_ids":["BTC-USD"],"channel":"ticker"}"#,
                #"{"type":"subscribe","product_ids":["BTC-USD"],"channel":"heartbeats"}"#,
            ])
    }
}

struct CodecTests {
    @Test func jsonParserHandlesEscapesAndLimits() throws {
        let v = try JSONParser.parse(#" {"a":[1,-2.5e3,true,false,null],"b":"x\"\u00e9\ud83d\ude00\n"} "#)
        #expect(v["a"] == .array([.number(1), .number(-2500), .bool(true), .bool(false), .null]))
        #expect(v["b"]?.stringValue == "x\"é😀\n")
        #expect(throws: JSONSyntaxError.self) {
            try JSONParser.parse(String(repeating: "[", count: 10_000), maxDepth: 64)
        }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(#"{"a":1,}"#) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse(#""\ud800""#) }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("01x") }
        #expect(throws: JSONSyntaxError.self) { try JSONParser.parse("") }
    }

    @Test func timestampsRoundTripMilliseconds() {
        let t = Timestamp.parseLenient("2026-11-24T12:00:00.123Z")
        #expect(t.map { Timestamp.format($0, fixedMilliseconds: true) } == "2026-11-24T12:00:00.123Z")
        #expect(Timestamp.parseLenient("2026-11-24T14:00:00.123+02:00") == t)
        #expect(Timestamp.parseLenient("2024-02-29T00:00:00Z") != nil)
        #expect(Timestamp.parseLenient("2025-02-29T00:00:00Z") == nil)
        #expect(Timestamp.parseLenient("2026-11-24T12:00:00") == nil)
        #expect(Timestamp.format(-0.001, fixedMilliseconds: true) == "1969-12-31T23:59:59.999Z")
        var rng = SplitMix64(seed: 3)
        for _ in 0..<10_000 {
            let ms = Int64(rng.next() % 8_000_000_000_000)
            let date = Timestamp.seconds(milliseconds: ms)
            #expect(Timestamp.parseLenient(Timestamp.format(date, fixedMilliseconds: true)) == date)
        }
    }

    @Test func tickLineRoundTripsDoublesExactly() {
        var rng = SplitMix64(seed: 11)
        var decoder = NDJSONTickDecoder()
        for n in 0..<5_000 {
            let value: Double
            switch n % 4 {
            case 0: value = rng.nextUnit() * 100_000
            case 1: value = Double(bitPattern: (rng.next() & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000) * 1e-7
            case 2: value = Double(Int(rng.next() % 1_000_000))
            default: value = exp(rng.nextUnit() * 60 - 30)
            }
            let tick = PriceUpdate(
                symbol: "S\"\(n)", kind: .mark, value: value,
                exchangeTime: Timestamp.seconds(milliseconds: 1_764_000_000_000 + Int64(n)), receiveTime: 0)
            let line = TickLine.encode(tick)
            let back = decoder.decode(line).prices
            #expect(
                back == [PriceUpdate(symbol: tick.symbol, kind: .mark, value: value, exchangeTime: tick.exchangeTime)],
                "\(line)")
        }
        #expect(
            TickLine.encode(
                PriceUpdate(
                    symbol: "BTC", kind: .index, value: 60012.5,
                    exchangeTime: Timestamp.parseLenient("2026-11-24T12:00:00.123Z")!, receiveTime: 0))
                == #"{"ts":"2026-11-24T12:00:00.123Z","symbol":"BTC","kind":"index","price":60012.5}"#)
    }

    @Test func symbolMapTextForm() throws {
        let map = try SymbolMap.parse(
            """
            # exchange  kind  book
            BTCUSDT mark BTC-PERP
            BTCUSDT index BTC
            BTC-27DEC26-60000-C iv BTC-C-60K
            """)
        #expect(map.resolve("BTCUSDT", .mark) == .init(symbol: "BTC-PERP", kind: .mark))
        #expect(map.resolve("ETHUSDT", .mark) == nil)
        #expect(SymbolMap.passthrough.resolve("ETHUSDT", .mark)?.symbol == "ETHUSDT")
        #expect(throws: FeedError.self) { try SymbolMap.parse("BTCUSDT price BTC") }
        let error = #expect(throws: FeedError.self) { try SymbolMap.parse("ok mark x\nBTCUSDT", file: "m.txt") }
        #expect(error?.description.hasPrefix("m.txt:2: ") == true, "\(String(describing: error))")
        #expect(error?.code == .badFile && error?.file == "m.txt" && error?.line == 2)
    }
}
