/// One price observation, from the feed boundary to the live book: an asset's index, an
/// instrument's mark, or an implied vol (of an option, or of an asset for its options).
///
/// Feeds emit these (``symbol`` is the book's symbol once a feed's symbol map has resolved
/// it; decoders fill in the exchange's own symbol before that), and the live book applies them.
/// ```swift
/// let u = PriceUpdate(symbol: "BTC", kind: .index, value: 60_012.5, exchangeTime: 1_764_000_000.123)
/// u.isValid  // true
/// ```
public struct PriceUpdate: Sendable, Equatable {
    public var symbol: String
    public var kind: PriceKind
    /// Price in USD for `index`/`mark`; a fraction (0.55 = 55 %) for `iv`.
    public var value: Double
    /// When the exchange (or the recording) says the price was observed, seconds since the
    /// epoch; drives the vol EWMA's time steps.
    public var exchangeTime: Double
    /// When this process received it, seconds since the epoch (from the feed's clock); drives
    /// staleness.
    public var receiveTime: Double

    /// An update; `receiveTime` defaults to the exchange time.
    public init(symbol: String, kind: PriceKind, value: Double, exchangeTime: Double, receiveTime: Double? = nil) {
        self.symbol = symbol
        self.kind = kind
        self.value = value
        self.exchangeTime = exchangeTime
        self.receiveTime = receiveTime ?? exchangeTime
    }
}

extension PriceUpdate {
    /// The largest implied vol taken as a price: 10 (1000 %). Higher is a feed fault, not a market.
    public static let maxImpliedVol = 10.0

    /// The largest index or mark price taken: 1e15 (a thousand trillion in the quote currency).
    /// Higher is a feed fault, and a price of 1.7e308 would overflow every figure built on it.
    public static let maxPrice = 1e15

    /// Whether `value` is usable as a `kind` price: finite and above zero, at most
    /// ``maxPrice`` for an index or mark and at most ``maxImpliedVol`` for an implied vol.
    /// A vol of 0 is rejected: no option is worth its intrinsic value alone, and a feed
    /// sends 0 when it has no quote.
    /// The one rule: feeds reject failing updates, and so does the live book.
    public static func isValid(_ value: Double, kind: PriceKind) -> Bool {
        guard value.isFinite, value > 0 else { return false }
        return value <= (kind == .iv ? maxImpliedVol : maxPrice)
    }

    /// Whether this update's value is usable (see ``isValid(_:kind:)``).
    public var isValid: Bool { Self.isValid(value, kind: kind) }
}
