import MarginCore

/// A source of prices for the live book.
///
/// `ticks()` starts the feed on first call; each call returns a new stream that sees every update
/// from then on (so a recorder and the book can listen together). Streams end when the feed
/// finishes or ``stop()`` is called. When the last tick stream is dropped the feed stops.
public protocol PriceFeed: Sendable {
    /// A short name for logs and the status line, e.g. `binance` or `sim`.
    var name: String { get }
    /// Ticks as they arrive (starts the feed).
    func ticks() -> AsyncStream<PriceUpdate>
    /// Status changes; the current status is delivered first.
    func statuses() -> AsyncStream<FeedStatus>
    /// The current status.
    func status() async -> FeedStatus
    /// A snapshot of the counters.
    func counters() async -> FeedCounters
    /// The last receive time of a tick for `symbol` (any kind), for stale marking.
    /// Seconds since the epoch (on the feed's ``MarginClock``).
    func lastUpdate(symbol: String) async -> Double?
    /// Stops the feed: status becomes `finished`, all streams end.
    func stop() async
}
