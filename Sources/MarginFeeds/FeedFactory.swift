import Foundation
import Logging
import MarginCore

/// Builds feeds from specs.
///
/// ```swift
/// let feed = try FeedFactory.make(try FeedSpec.parse("binance:wss://fstream.binance.com/market/ws/!markPrice@arr@1s"))
/// ```
public enum FeedFactory {
    /// Makes the feed a spec describes.
    /// - Parameters:
    ///   - universe: what `sim` simulates (the book's assets and instruments).
    ///   - symbolMap: overrides the spec's `map=FILE` for websocket and NDJSON feeds.
    /// - Throws: ``FeedError`` for unreadable replay or symbol-map files and bad universes.
    public static func make(
        _ spec: FeedSpec, universe: SimUniverse = .demo, symbolMap: SymbolMap? = nil,
        clock: any MarginClock = SystemClock(), logger: Logger? = nil
    ) throws(FeedError) -> any PriceFeed {
        switch spec {
        case .sim(let options):
            try universe.validate()
            return SimFeed(universe: universe, options: options, clock: clock, logger: logger)
        case .replay(let options):
            return try ReplayFeed(options: options, clock: clock, logger: logger)
        case .ndjson(let source):
            if case .file(let path) = source, !FileManager.default.isReadableFile(atPath: path) {
                throw FeedError(.badFile, "cannot read NDJSON tick file", file: path)
            }
            return NDJSONFeed(source: source, symbolMap: symbolMap ?? .passthrough, clock: clock, logger: logger)
        case .binance(let options), .deribit(let options), .coinbase(let options):
            var map = symbolMap ?? .passthrough
            if symbolMap == nil, let path = options.mapPath { map = try SymbolMap.load(path: path) }
            let adapter: ExchangeAdapter
            switch spec {
            case .binance:
                adapter = .binance()
            case .deribit:
                let mapped = map.exchangeSymbols
                let instruments =
                    !options.symbols.isEmpty
                    ? options.symbols
                    : !mapped.isEmpty ? mapped.filter { $0.contains("-") } : ["BTC-PERPETUAL", "ETH-PERPETUAL"]
                let indexes =
                    !options.indexes.isEmpty
                    ? options.indexes
                    : !mapped.isEmpty
                        ? mapped.filter { $0.contains("_") && !$0.contains("-") } : ["btc_usd", "eth_usd"]
                adapter = .deribit(instruments: instruments, indexes: indexes)
            default:
                let mapped = map.exchangeSymbols
                adapter = .coinbase(
                    products: !options.symbols.isEmpty
                        ? options.symbols : !mapped.isEmpty ? mapped : ["BTC-USD", "ETH-USD"])
            }
            var configuration = WebSocketFeedConfiguration(url: options.url, watchdogTimeout: options.timeout)
            configuration.maxFutureSkew = options.maxFutureSkew
            return WebSocketFeed(
                adapter: adapter, configuration: configuration, symbolMap: map, clock: clock, logger: logger)
        }
    }

    /// Parses a spec and makes the feed.
    public static func make(
        spec: String, universe: SimUniverse = .demo, symbolMap: SymbolMap? = nil,
        clock: any MarginClock = SystemClock(), logger: Logger? = nil
    ) throws(FeedError) -> any PriceFeed {
        try make(FeedSpec.parse(spec), universe: universe, symbolMap: symbolMap, clock: clock, logger: logger)
    }
}
