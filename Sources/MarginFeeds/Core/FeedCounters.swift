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
