import Foundation

/// What a tick prices: an asset's index, an instrument's mark, or an implied vol (a fraction).
public enum TickKind: String, Sendable, Codable, CaseIterable {
    case index, mark, iv
}

/// One price observation from a feed.
public struct Tick: Sendable, Equatable {
    /// The book's symbol (or the exchange's own symbol when the feed has no ``SymbolMap``).
    public var symbol: String
    public var kind: TickKind
    /// Price in USD for `index`/`mark`; a fraction (0.55 = 55 %) for `iv`.
    public var value: Double
    /// When the exchange (or the recording) says the price was observed.
    public var exchangeTime: Date
    /// When this process received it (from the feed's ``FeedClock``).
    public var receiveTime: Date

    public init(symbol: String, kind: TickKind, value: Double, exchangeTime: Date, receiveTime: Date) {
        self.symbol = symbol
        self.kind = kind
        self.value = value
        self.exchangeTime = exchangeTime
        self.receiveTime = receiveTime
    }
}

/// The health of a feed, as an operator should see it.
///
/// A feed is `live` only while prices arrive; silence beyond the watchdog timeout or any
/// disconnect shows as `down` (with the reason) followed by `reconnecting`.
public enum FeedStatus: Sendable, Equatable, CustomStringConvertible {
    /// Connecting (or connected and waiting for the first price).
    case connecting
    /// Prices are flowing.
    case live
    /// Waiting `nextDelay` before connection attempt number `attempt` (1-based).
    case reconnecting(attempt: Int, nextDelay: Duration)
    /// Not delivering prices, with the reason (closed, refused, silent, ...).
    case down(reason: String)
    /// The feed ended for good (end of a replay or file, or stopped).
    case finished

    public var description: String {
        switch self {
        case .connecting: return "connecting"
        case .live: return "live"
        case .reconnecting(let attempt, let delay): return "reconnecting (attempt \(attempt) in \(delay))"
        case .down(let reason): return "down: \(reason)"
        case .finished: return "finished"
        }
    }

    /// Whether prices from this feed can be trusted as current.
    public var isLive: Bool { self == .live }
}

/// Running totals of what a feed has seen.
///
/// Every inbound message is accounted for: it produced ticks, or rejections, or only unmapped
/// symbols, or it was a control message (acknowledgement, heartbeat).
public struct FeedCounters: Sendable, Equatable {
    /// Inbound messages (websocket frames, NDJSON/CSV lines, simulated ticks).
    public var messages: Int = 0
    /// Ticks delivered to consumers.
    public var ticks: Int = 0
    /// Skipped items by reason (`malformed_json`, `unknown_message`, `bad_price`, `out_of_order`, ...).
    public var rejected: [String: Int] = [:]
    /// Prices for exchange symbols missing from the ``SymbolMap``.
    public var unmapped: Int = 0
    /// Control messages (subscription acks, heartbeats, test requests).
    public var control: Int = 0
    /// Successful (websocket) connections.
    public var connections: Int = 0

    public init() {}

    /// Total rejections over all reasons.
    public var rejectedTotal: Int { rejected.values.reduce(0, +) }
}

/// A source of prices for the live book.
///
/// `ticks()` starts the feed on first call; each call returns a new stream that sees every tick
/// from then on (so a recorder and the book can listen together). Streams end when the feed
/// finishes or ``stop()`` is called. When the last tick stream is dropped the feed stops.
public protocol PriceFeed: Sendable {
    /// A short name for logs and the status line, e.g. `binance` or `sim`.
    var name: String { get }
    /// Ticks as they arrive (starts the feed).
    func ticks() -> AsyncStream<Tick>
    /// Status changes; the current status is delivered first.
    func statuses() -> AsyncStream<FeedStatus>
    /// The current status.
    func status() async -> FeedStatus
    /// A snapshot of the counters.
    func counters() async -> FeedCounters
    /// The last receive time of a tick for `symbol` (any kind), for stale marking.
    func lastUpdate(symbol: String) async -> Date?
    /// Stops the feed: status becomes `finished`, all streams end.
    func stop() async
}
