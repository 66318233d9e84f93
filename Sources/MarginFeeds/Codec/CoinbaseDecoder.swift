import Foundation
import MarginCore

/// Decodes Coinbase Advanced Trade websocket messages.
///
/// Routes on `channel`: `ticker` yields an `index` price per `events[].tickers[]` entry
/// (`product_id`, `price` as a string; the message `timestamp` as exchange time);
/// `heartbeats` and `subscriptions` are control messages; `{"type":"error"}` is a rejection.
public struct CoinbaseDecoder: MessageDecoder {
    public init() {}

    /// The two subscriptions Coinbase needs: tickers, and heartbeats so quiet channels stay open.
    public static func subscribeMessages(products: [String]) -> [String] {
        let list = products.map(JSONWriter.quote).joined(separator: ",")
        return ["ticker", "heartbeats"].map { #"{"type":"subscribe","product_ids":[\#(list)],"channel":"\#($0)"}"# }
    }

    public mutating func decode(_ text: String) -> DecodedMessage {
        let json: JSONValue
        do { json = try JSONParser.parse(text, maxDepth: feedMaxDepth) } catch {
            return .rejected(RejectReason.malformedJSON, text)
        }
        guard case .object = json else { return .rejected(RejectReason.unknownMessage, text) }
        if json["type"]?.stringValue == "error" { return .rejected(RejectReason.exchangeError, text) }
        switch json["channel"]?.stringValue {
        case "heartbeats", "subscriptions":
            return .control
        case "ticker":
            guard let stamp = json["timestamp"]?.stringValue, let time = Timestamp.parseLenient(stamp) else {
                return .rejected(RejectReason.badTimestamp, text)
            }
            guard let events = json["events"]?.arrayValue else {
                return .rejected(RejectReason.missingField, "events missing: " + text)
            }
            var out = DecodedMessage()
            for event in events {
                guard let tickers = event["tickers"]?.arrayValue else {
                    out.rejections.append(Rejection(RejectReason.missingField, "tickers missing: " + text))
                    continue
                }
                for ticker in tickers {
                    guard let product = ticker["product_id"]?.stringValue, !product.isEmpty else {
                        out.rejections.append(Rejection(RejectReason.missingField, "product_id missing: " + text))
                        continue
                    }
                    out.price(ticker["price"], field: "price", symbol: product, kind: .index, time: time, sample: text)
                }
            }
            if out.prices.isEmpty && out.rejections.isEmpty {
                out.rejections.append(Rejection(RejectReason.noPrices, text))
            }
            return out
        default:
            return .rejected(RejectReason.unknownMessage, text)
        }
    }
}
