import Foundation
import MarginCore

/// The NDJSON tick line: `{"ts":"2026-11-24T12:00:00.123Z","symbol":"BTC","kind":"index","price":60012.5}`.
///
/// Prices are written with Swift's shortest round-trip representation, so a recorded
/// double reads back bit for bit; timestamps have millisecond precision.
public enum TickLine {
    /// Encodes one tick (without the newline).
    public static func encode(_ tick: PriceUpdate) -> String {
        #"{"ts":"\#(Timestamp.format(tick.exchangeTime, fixedMilliseconds: true))","symbol":\#(JSONWriter.quote(tick.symbol)),"kind":"\#(tick.kind.rawValue)","price":\#(tick.value)}"#
    }
}

/// Decodes NDJSON tick lines. `ts` may be an RFC 3339 string or epoch milliseconds;
/// `price` a number or numeric string.
public struct NDJSONTickDecoder: MessageDecoder {
    public init() {}

    public mutating func decode(_ text: String) -> DecodedMessage {
        let json: JSONValue
        do { json = try JSONParser.parse(text, maxDepth: feedMaxDepth) } catch {
            return .rejected(RejectReason.malformedJSON, text)
        }
        guard case .object = json else { return .rejected(RejectReason.unknownMessage, text) }
        guard let symbol = json["symbol"]?.stringValue, !symbol.isEmpty else {
            return .rejected(RejectReason.missingField, "symbol missing: " + text)
        }
        guard let kindText = json["kind"]?.stringValue else {
            return .rejected(RejectReason.missingField, "kind missing: " + text)
        }
        guard let kind = PriceKind(rawValue: kindText) else { return .rejected(RejectReason.badKind, text) }
        let time: Double
        switch json["ts"] {
        case .string(let s)?:
            guard let t = Timestamp.parseLenient(s) else { return .rejected(RejectReason.badTimestamp, text) }
            time = t
        case .number?:
            guard let t = json["ts"]?.exchangeTime else { return .rejected(RejectReason.badTimestamp, text) }
            time = t
        case nil:
            return .rejected(RejectReason.missingField, "ts missing: " + text)
        default:
            return .rejected(RejectReason.badTimestamp, text)
        }
        var out = DecodedMessage()
        out.price(json["price"], field: "price", symbol: symbol, kind: kind, time: time, sample: text)
        return out
    }
}
