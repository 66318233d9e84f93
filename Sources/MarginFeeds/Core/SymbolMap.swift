import Foundation
import MarginCore

/// Ties exchange symbols to the book's symbols.
///
/// Each entry maps an exchange symbol and the kind of price the adapter read
/// (e.g. Binance `BTCUSDT`'s `p` is a `mark`, its `i` an `index`) to a book symbol and the
/// kind to emit. Prices for exchange symbols not in a non-empty map are counted as
/// `unmapped` and skipped. With no map (``SymbolMap/passthrough``) exchange symbols pass
/// through unchanged.
///
/// Text form, one entry per line (`#` starts a comment):
/// ```
/// # exchange-symbol  source-kind  book-symbol  [book-kind]
/// BTCUSDT  mark   BTC-PERP
/// BTCUSDT  index  BTC
/// BTC-27DEC26-80000-C  iv  BTC-27DEC26-80000-C
/// ```
public struct SymbolMap: Sendable, Equatable {
    public struct Key: Hashable, Sendable {
        public var exchangeSymbol: String
        public var kind: PriceKind
        public init(_ exchangeSymbol: String, _ kind: PriceKind) {
            self.exchangeSymbol = exchangeSymbol
            self.kind = kind
        }
    }

    public struct Target: Equatable, Sendable {
        public var symbol: String
        public var kind: PriceKind
        public init(symbol: String, kind: PriceKind) {
            self.symbol = symbol
            self.kind = kind
        }
    }

    public private(set) var entries: [Key: Target]

    /// No mapping: exchange symbols pass through.
    public static let passthrough = SymbolMap(entries: [:])

    public init(entries: [Key: Target]) { self.entries = entries }

    /// Maps each exchange symbol's prices of every kind to `bookSymbol`, keeping the kind.
    public init(_ symbols: [String: String]) {
        var entries: [Key: Target] = [:]
        for (exchange, book) in symbols {
            for kind in PriceKind.allCases { entries[Key(exchange, kind)] = Target(symbol: book, kind: kind) }
        }
        self.entries = entries
    }

    public var isPassthrough: Bool { entries.isEmpty }

    /// Exchange symbols named in the map (e.g. to choose subscriptions).
    public var exchangeSymbols: [String] { Array(Set(entries.keys.map(\.exchangeSymbol))).sorted() }

    /// Adds or replaces one entry.
    public mutating func set(
        _ exchangeSymbol: String, _ kind: PriceKind, to symbol: String, as bookKind: PriceKind? = nil
    ) {
        entries[Key(exchangeSymbol, kind)] = Target(symbol: symbol, kind: bookKind ?? kind)
    }

    /// The book symbol and kind for an exchange price, or nil when unmapped.
    @inlinable public func resolve(_ exchangeSymbol: String, _ kind: PriceKind) -> Target? {
        if entries.isEmpty { return Target(symbol: exchangeSymbol, kind: kind) }
        return entries[Key(exchangeSymbol, kind)]
    }

    /// Parses the text form; `file` only labels errors.
    public static func parse(_ text: String, file: String = "symbol map") throws(FeedError) -> SymbolMap {
        var map = SymbolMap(entries: [:])
        for (n, rawLine) in text.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" }
        ).enumerated() {
            let line = rawLine.split(separator: "#", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "," || $0 == "\r" })
            if fields.isEmpty { continue }
            guard fields.count == 3 || fields.count == 4 else {
                throw FeedError(
                    .badFile, "expected 'exchange-symbol source-kind book-symbol [book-kind]', got '\(line)'",
                    file: file, line: n + 1)
            }
            guard let kind = PriceKind(rawValue: String(fields[1])) else {
                throw FeedError(
                    .badFile, "unknown kind '\(fields[1])' (use index, mark or iv)", file: file, line: n + 1)
            }
            var bookKind = kind
            if fields.count == 4 {
                guard let k = PriceKind(rawValue: String(fields[3])) else {
                    throw FeedError(
                        .badFile, "unknown kind '\(fields[3])' (use index, mark or iv)", file: file, line: n + 1)
                }
                bookKind = k
            }
            map.set(String(fields[0]), kind, to: String(fields[2]), as: bookKind)
        }
        return map
    }

    /// Reads and parses a symbol-map file.
    public static func load(path: String) throws(FeedError) -> SymbolMap {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw FeedError(.badFile, "cannot read symbol map: \(error.localizedDescription)", file: path)
        }
        return try parse(text, file: path)
    }
}
