import Foundation
import MarginCore

/// Decodes Deribit JSON-RPC 2.0 websocket messages and answers heartbeats.
///
/// - `ticker.{instrument}.100ms` notifications: `mark_price` becomes a `mark` price. For
///   inverse options (quoted in the coin) it is multiplied by `index_price` from the same data,
///   or by the latest `deribit_price_index` for the coin; `mark_iv` (percent) becomes an `iv`
///   price divided by 100.
/// - `deribit_price_index.{index}` notifications: `price` becomes an `index` price for the
///   index name (`btc_usd`).
/// - `heartbeat` with `type: test_request`: replied to with `public/test` (a control message).
/// - JSON-RPC responses are control messages, or `exchange_error` rejections when they carry `error`.
public struct DeribitDecoder: MessageDecoder {
    private var nextID = 1000
    /// Latest price index per coin (`btc`), for options whose ticker lacks `index_price`.
    private var latestIndex: [String: Double] = [:]

    public init() {}

    /// The messages to send after connecting: heartbeat setup and the subscription.
    public static func subscribeMessages(instruments: [String], indexes: [String], heartbeatInterval: Int = 30)
        -> [String]
    {
        let channels = instruments.map { "ticker.\($0).100ms" } + indexes.map { "deribit_price_index.\($0)" }
        let list = channels.map(JSONWriter.quote).joined(separator: ",")
        return [
            #"{"jsonrpc":"2.0","id":1,"method":"public/set_heartbeat","params":{"interval":\#(heartbeatInterval)}}"#,
            #"{"jsonrpc":"2.0","id":2,"method":"public/subscribe","params":{"channels":[\#(list)]}}"#,
        ]
    }

    /// Whether an instrument is an inverse (coin-quoted) option, e.g. `BTC-27DEC26-80000-C`.
    public static func isInverseOption(_ instrument: String) -> Bool {
        let parts = instrument.split(separator: "-")
        guard parts.count == 4, parts[3] == "C" || parts[3] == "P" else { return false }
        return !parts[0].contains("_")
    }

    /// Whether an instrument is an option (inverse or linear).
    public static func isOption(_ instrument: String) -> Bool {
        let parts = instrument.split(separator: "-")
        return parts.count == 4 && (parts[3] == "C" || parts[3] == "P")
    }

    public mutating func decode(_ text: String) -> DecodedMessage {
        let json: JSONValue
        do { json = try JSONParser.parse(text, maxDepth: feedMaxDepth) } catch {
            return .rejected(RejectReason.malformedJSON, text)
        }
        guard case .object = json else { return .rejected(RejectReason.unknownMessage, text) }
        if json["method"] == nil, json["id"] != nil || json["result"] != nil || json["error"] != nil {
            if let error = json["error"], error != .null { return .rejected(RejectReason.exchangeError, text) }
            return .control
        }
        switch json["method"]?.stringValue {
        case "heartbeat":
            var out = DecodedMessage.control
            if json["params"]?["type"]?.stringValue == "test_request" {
                nextID += 1
                out.replies.append(#"{"jsonrpc":"2.0","id":\#(nextID),"method":"public/test","params":{}}"#)
            }
            return out
        case "subscription":
            guard let channel = json["params"]?["channel"]?.stringValue, let data = json["params"]?["data"] else {
                return .rejected(RejectReason.missingField, "params.channel/data missing: " + text)
            }
            if channel.hasPrefix("ticker.") {
                return decodeTicker(data, text: text)
            }
            if channel.hasPrefix("deribit_price_index.") {
                return decodeIndex(data, text: text)
            }
            return .rejected(RejectReason.unknownMessage, text)
        default:
            return .rejected(RejectReason.unknownMessage, text)
        }
    }

    private mutating func decodeIndex(_ data: JSONValue, text: String) -> DecodedMessage {
        guard let name = data["index_name"]?.stringValue, !name.isEmpty else {
            return .rejected(RejectReason.missingField, "index_name missing: " + text)
        }
        guard let time = data["timestamp"]?.exchangeTime else { return .rejected(RejectReason.badTimestamp, text) }
        var out = DecodedMessage()
        out.price(data["price"], field: "price", symbol: name, kind: .index, time: time, sample: text)
        if let p = out.prices.first?.value, p.isFinite, p > 0 {
            let coin = name.split(separator: "_").first.map { $0.lowercased() } ?? name
            latestIndex[coin] = p
        }
        return out
    }

    private func decodeTicker(_ data: JSONValue, text: String) -> DecodedMessage {
        guard let instrument = data["instrument_name"]?.stringValue, !instrument.isEmpty else {
            return .rejected(RejectReason.missingField, "instrument_name missing: " + text)
        }
        guard let time = data["timestamp"]?.exchangeTime else { return .rejected(RejectReason.badTimestamp, text) }
        var out = DecodedMessage()
        if Self.isInverseOption(instrument) {
            let coin = instrument.split(separator: "-").first.map { $0.lowercased() } ?? ""
            let index = data["index_price"]?.numberValue ?? latestIndex[coin]
            if let markField = data["mark_price"] {
                if let markCoin = markField.numberValue {
                    if let index, index.isFinite, index > 0 {
                        out.prices.append(
                            PriceUpdate(symbol: instrument, kind: .mark, value: markCoin * index, exchangeTime: time))
                    } else {
                        out.rejections.append(Rejection(RejectReason.missingIndex, text))
                    }
                } else {
                    out.rejections.append(Rejection(RejectReason.badPrice, "mark_price not a number: " + text))
                }
            }
        } else if data["mark_price"] != nil {
            out.price(
                data["mark_price"], field: "mark_price", symbol: instrument, kind: .mark, time: time, sample: text)
        }
        if let ivField = data["mark_iv"], Self.isOption(instrument) {
            if let iv = ivField.numberValue {
                out.prices.append(PriceUpdate(symbol: instrument, kind: .iv, value: iv / 100, exchangeTime: time))
            } else {
                out.rejections.append(Rejection(RejectReason.badPrice, "mark_iv not a number: " + text))
            }
        }
        if out.prices.isEmpty && out.rejections.isEmpty {
            out.rejections.append(Rejection(RejectReason.missingField, "mark_price missing: " + text))
        }
        return out
    }
}
