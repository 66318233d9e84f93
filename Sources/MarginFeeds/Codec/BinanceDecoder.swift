import Foundation
import MarginCore

/// Decodes Binance USD-M futures mark-price frames.
///
/// Accepts a single `markPriceUpdate` object (`<symbol>@markPrice@1s`), an array of them
/// (`!markPrice@arr@1s`), and combined-stream wrappers `{"stream":...,"data":...}`.
/// `p` (mark) becomes a `mark` price, `i` (index) an `index` price, `E` (ms) the exchange time.
/// Subscription responses (`{"result":null,"id":1}`) are control messages.
public struct BinanceDecoder: MessageDecoder {
    public init() {}

    public mutating func decode(_ text: String) -> DecodedMessage {
        let json: JSONValue
        do { json = try JSONParser.parse(text, maxDepth: feedMaxDepth) } catch {
            return .rejected(RejectReason.malformedJSON, text)
        }
        var out = DecodedMessage()
        decodeValue(json, text: text, into: &out)
        return out
    }

    private func decodeValue(_ json: JSONValue, text: String, into out: inout DecodedMessage) {
        switch json {
        case .array(let items):
            if items.isEmpty { out.rejections.append(Rejection(RejectReason.noPrices, text)) }
            for item in items { decodeEvent(item, text: text, into: &out) }
        case .object:
            if let data = json["data"], json["stream"] != nil {
                switch data {
                case .array, .object: decodeValue(data, text: text, into: &out)
                default: out.rejections.append(Rejection(RejectReason.unknownMessage, text))
                }
            } else if json["result"] != nil || (json["id"] != nil && json["e"] == nil) {
                if let error = json["error"], error != .null {
                    out.rejections.append(Rejection(RejectReason.exchangeError, text))
                } else {
                    out.isControl = true
                }
            } else {
                decodeEvent(json, text: text, into: &out)
            }
        default:
            out.rejections.append(Rejection(RejectReason.unknownMessage, text))
        }
    }

    private func decodeEvent(_ event: JSONValue, text: String, into out: inout DecodedMessage) {
        guard case .object = event else {
            out.rejections.append(Rejection(RejectReason.unknownMessage, text))
            return
        }
        guard event["e"]?.stringValue == "markPriceUpdate" else {
            out.rejections.append(Rejection(RejectReason.unknownMessage, text))
            return
        }
        guard let symbol = event["s"]?.stringValue, !symbol.isEmpty else {
            out.rejections.append(Rejection(RejectReason.missingField, "s missing: " + text))
            return
        }
        guard let time = event["E"]?.exchangeTime else {
            out.rejections.append(Rejection(RejectReason.badTimestamp, text))
            return
        }
        out.price(event["p"], field: "p", symbol: symbol, kind: .mark, time: time, sample: text)
        out.price(event["i"], field: "i", symbol: symbol, kind: .index, time: time, sample: text)
    }
}
