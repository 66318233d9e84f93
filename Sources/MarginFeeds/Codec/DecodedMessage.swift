import Foundation
import MarginCore

/// A skipped item and why; `sample` is the offending text for the log: cut to 200 characters,
/// and with control characters shown as `cat -v` does (``TextCell/escapeControls(_:)``), so a
/// hostile frame cannot drive the terminal or forge log lines whatever handler prints it.
public struct Rejection: Sendable, Equatable {
    public var reason: String
    public var sample: String
    public init(_ reason: String, _ sample: some StringProtocol) {
        self.reason = reason
        let cut = sample.count > 200 ? String(sample.prefix(200)) + "…" : String(sample)
        self.sample = TextCell.escapeControls(cut)
    }
}

/// Well-known rejection reasons (counter keys).
public enum RejectReason {
    public static let malformedJSON = "malformed_json"
    public static let unknownMessage = "unknown_message"
    public static let missingField = "missing_field"
    public static let badPrice = "bad_price"
    public static let badTimestamp = "bad_timestamp"
    public static let badKind = "bad_kind"
    public static let outOfOrder = "out_of_order"
    /// An exchange time too far ahead of the receive clock (``FeedCore/maxFutureSkew``).
    public static let futureTime = "future_time"
    public static let missingIndex = "missing_index"
    public static let exchangeError = "exchange_error"
    public static let noPrices = "no_prices"
}

/// What one inbound message contained.
public struct DecodedMessage: Sendable, Equatable {
    /// Prices as the exchange named them: `symbol` is the exchange's own (``FeedCore`` maps it
    /// to the book's) and `receiveTime` is not yet set (``FeedCore`` stamps it).
    public var prices: [PriceUpdate] = []
    public var rejections: [Rejection] = []
    /// An acknowledgement, heartbeat or similar: no prices expected.
    public var isControl = false
    /// Messages to send back (e.g. Deribit's `public/test` answer to a `test_request`).
    public var replies: [String] = []
    public init() {}

    static func rejected(_ reason: String, _ sample: some StringProtocol) -> DecodedMessage {
        var m = DecodedMessage()
        m.rejections.append(Rejection(reason, sample))
        return m
    }

    static var control: DecodedMessage {
        var m = DecodedMessage()
        m.isControl = true
        return m
    }
}

/// Nesting accepted in exchange frames and tick lines; deeper input is rejected rather than
/// risking a task's stack.
let feedMaxDepth = 64

/// Turns one inbound text message into prices, rejections and replies. Never throws:
/// anything unusable becomes a counted ``Rejection``.
public protocol MessageDecoder: Sendable {
    mutating func decode(_ text: String) -> DecodedMessage
}

extension DecodedMessage {
    /// Reads a positive price field that may be a number or a numeric string.
    mutating func price(
        _ value: JSONValue?, field: String, symbol: String, kind: PriceKind, time: Double,
        sample: @autoclosure () -> String
    ) {
        guard let value else {
            rejections.append(Rejection(RejectReason.missingField, "\(field) missing: " + sample()))
            return
        }
        guard let number = value.numberValue else {
            rejections.append(Rejection(RejectReason.badPrice, "\(field) not a number: " + sample()))
            return
        }
        prices.append(PriceUpdate(symbol: symbol, kind: kind, value: number, exchangeTime: time))
    }
}

extension JSONValue {
    /// An exchange time sent as epoch milliseconds (a number or an integer string), in seconds
    /// since the epoch; `nil` unless it is an integer within ``Timestamp/representableSeconds``
    /// (`9223372036854775807` is a counted `bad_timestamp`, not an instant).
    var exchangeTime: Double? {
        guard let ms = int64Value else { return nil }
        let seconds = Timestamp.seconds(milliseconds: ms)
        return Timestamp.isRepresentable(seconds) ? seconds : nil
    }
}
