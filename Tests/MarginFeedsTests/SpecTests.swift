import Foundation
import MarginCore
import MarginFeeds
import Testing

struct FeedSpecTests {
    @Test func parsesEveryKind() throws {
        #expect(try FeedSpec.parse("sim") == .sim(SimOptions()))
        #expect(try FeedSpec.parse("sim:seed=7,rate=500") == .sim(SimOptions(seed: 7, rate: 500)))
        #expect(try FeedSpec.parse("sim:accel=60") == .sim(SimOptions(acceleration: 60)))
        #expect(try FeedSpec.parse("sim:crash") == .sim(SimOptions(crash: true)))
        #expect(SimOptions().effectiveAcceleration == 1 && SimOptions(crash: true).effectiveAcceleration == 600)
        #expect(SimOptions(acceleration: 5, crash: true).effectiveAcceleration == 5)
        #expect(try FeedSpec.parse("replay:ticks.ndjson") == .replay(ReplayOptions(path: "ticks.ndjson")))
        #expect(
            try FeedSpec.parse("replay:t.ndjson,speed=10,loop")
                == .replay(ReplayOptions(path: "t.ndjson", speed: .factor(10), loop: true)))
        #expect(try FeedSpec.parse("replay:t.csv,speed=max") == .replay(ReplayOptions(path: "t.csv", speed: .max)))
        #expect(try FeedSpec.parse("ndjson:-") == .ndjson(.stdin))
        #expect(try FeedSpec.parse("ndjson:/tmp/x") == .ndjson(.file("/tmp/x")))
        #expect(
            try FeedSpec.parse("binance:wss://fstream.binance.com/market/ws/!markPrice@arr@1s")
                == .binance(WebSocketOptions(url: "wss://fstream.binance.com/market/ws/!markPrice@arr@1s")))
        #expect(
            try FeedSpec.parse(
                "binance:wss://fstream.binance.com/market/stream?streams=btcusdt@markPrice@1s/ethusdt@markPrice@1s,timeout=5"
            )
                == .binance(
                    WebSocketOptions(
                        url:
                            "wss://fstream.binance.com/market/stream?streams=btcusdt@markPrice@1s/ethusdt@markPrice@1s",
                        timeout: .seconds(5))))
        #expect(
            try FeedSpec.parse(
                "deribit:wss://www.deribit.com/ws/api/v2,instruments=BTC-PERPETUAL+ETH-PERPETUAL,indexes=btc_usd,map=m.txt"
            )
                == .deribit(
                    WebSocketOptions(
                        url: "wss://www.deribit.com/ws/api/v2", mapPath: "m.txt",
                        symbols: ["BTC-PERPETUAL", "ETH-PERPETUAL"], indexes: ["btc_usd"])))
        #expect(
            try FeedSpec.parse("coinbase:wss://advanced-trade-ws.coinbase.com,products=BTC-USD")
                == .coinbase(WebSocketOptions(url: "wss://advanced-trade-ws.coinbase.com", symbols: ["BTC-USD"])))
    }

    @Test(arguments: [
        ("", "empty spec"),
        ("foo:bar", "unknown feed kind 'foo'"),
        ("sim:seed=-1", "seed must be"),
        ("sim:rate=0", "rate must be"),
        ("sim:speed=2", "unknown sim option 'speed'"),
        ("sim:crash=1", "crash takes no value"),
        ("replay:", "missing file"),
        ("replay:f,speed=fast", "speed must be"),
        ("replay:f,loop=1", "loop takes no value"),
        ("ndjson:", "use ndjson:-"),
        ("binance:", "missing URL"),
        ("binance:http://x", "must start with ws:// or wss://"),
        ("binance:wss://x,products=A", "unknown binance option 'products'"),
        ("deribit:wss://x,timeout=0", "timeout must be"),
        ("coinbase:wss://x,map", "needs a value"),
    ])
    func rejectsBadSpecs(spec: String, message: String) {
        do {
            _ = try FeedSpec.parse(spec)
            Issue.record("expected an error for '\(spec)'")
        } catch {
            #expect(error.code == .badSpec)
            #expect(error.description.contains(message), "\(error)")
            #expect(error.description.contains("'\(spec)'"))
        }
    }

    @Test func factoryMakesFeedsAndReportsBadFiles() throws {
        #expect(try FeedFactory.make(spec: "sim:seed=3").name == "sim")
        #expect(try FeedFactory.make(spec: "binance:ws://127.0.0.1:9/x").name == "binance")
        #expect(try FeedFactory.make(spec: "ndjson:-").name == "ndjson")
        do {
            _ = try FeedFactory.make(spec: "replay:/nonexistent/file.ndjson")
            Issue.record("expected an error")
        } catch {
            #expect(error.code == .badFile && error.file == "/nonexistent/file.ndjson")
        }
        #expect(throws: FeedError.self) { try FeedFactory.make(spec: "deribit:ws://h/x,map=/nonexistent/map") }
        #expect(throws: FeedError.self) {
            try FeedFactory.make(
                spec: "sim", universe: SimUniverse(assets: [.init(symbol: "X", price: -1, annualVol: 0.5)]))
        }
    }
}
