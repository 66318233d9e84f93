import Foundation
import MarginCore

/// A recorded sequence of prices to replay, read from NDJSON tick lines or from the OHLCV CSV
/// layout of the project's real-data files.
public struct ReplaySource: Sendable {
    public enum Item: Sendable, Equatable {
        case price(PriceUpdate)
        /// A line that could not be read; replayed as a counted rejection at its position.
        case rejected(Rejection)
    }

    public var items: [Item]

    public init(items: [Item]) { self.items = items }

    /// The prices only.
    public var prices: [PriceUpdate] {
        items.compactMap { if case .price(let p) = $0 { return p } else { return nil } }
    }

    /// Reads a file, detecting the format: NDJSON when the first non-blank line starts with `{`,
    /// otherwise the CSV layout.
    public static func load(path: String) throws(FeedError) -> ReplaySource {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw FeedError(.badFile, "cannot read replay file: \(error.localizedDescription)", file: path)
        }
        let text = String(decoding: data, as: UTF8.self)
        return try parse(text, file: path)
    }

    /// Parses NDJSON or CSV text; `file` labels errors.
    public static func parse(_ text: String, file: String = "replay") throws(FeedError) -> ReplaySource {
        let firstNonBlank = text.drop { $0 == " " || $0 == "\n" || $0 == "\r" || $0 == "\t" }.first
        if firstNonBlank == "{" { return parseNDJSON(text) }
        return try parseCSV(text, file: file)
    }

    /// Parses NDJSON tick lines in file order; unreadable lines become rejections.
    public static func parseNDJSON(_ text: String) -> ReplaySource {
        var decoder = NDJSONTickDecoder()
        var items: [Item] = []
        // "\r\n" is one Character in Swift: split on every newline form.
        for line in text.split(
            omittingEmptySubsequences: true, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        {
            let trimmed = line[...]
            if trimmed.allSatisfy({ $0 == " " || $0 == "\t" }) { continue }
            let decoded = decoder.decode(String(trimmed))
            for p in decoded.prices { items.append(.price(p)) }
            for r in decoded.rejections { items.append(.rejected(r)) }
        }
        return ReplaySource(items: items)
    }

    /// Parses the CryptoDataDownload CSV layout: an optional banner line, the header
    /// `date,symbol,open,high,low,close,volume_btc,volume`, rows newest first with dates
    /// `2019-10-17 09-AM` (hourly, UTC) or `2019-10-17` (daily). Each row's close becomes an
    /// `index` price for the base asset (`BTCUSD` → `BTC`); rows are returned oldest first.
    public static func parseCSV(_ text: String, file: String = "replay") throws(FeedError) -> ReplaySource {
        let lines = text.split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        guard let headerIndex = lines.prefix(5).firstIndex(where: { $0.lowercased().hasPrefix("date,") }) else {
            throw FeedError(
                .badFile, "not NDJSON ticks and no CSV header 'date,symbol,open,high,low,close,...' in the first lines",
                file: file)
        }
        let header = lines[headerIndex].lowercased().split(separator: ",").map {
            $0.trimmingCharacters(in: .whitespaces)
        }
        guard let dateColumn = header.firstIndex(of: "date"), let symbolColumn = header.firstIndex(of: "symbol"),
            let closeColumn = header.firstIndex(of: "close")
        else {
            throw FeedError(
                .badFile, "CSV header needs date, symbol and close columns", file: file, line: headerIndex + 1)
        }
        var rows: [(Double, PriceUpdate)] = []
        var rejected: [Item] = []
        for n in (headerIndex + 1)..<lines.count {
            let line = lines[n]
            if line.isEmpty { continue }
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
            guard fields.count > max(dateColumn, symbolColumn, closeColumn) else {
                rejected.append(.rejected(Rejection(RejectReason.missingField, "line \(n + 1): \(line)")))
                continue
            }
            guard let date = parseCSVDate(fields[dateColumn]) else {
                rejected.append(.rejected(Rejection(RejectReason.badTimestamp, "line \(n + 1): \(line)")))
                continue
            }
            guard let close = DecimalNumber.parse(fields[closeColumn].trimmingCharacters(in: .whitespaces)) else {
                rejected.append(.rejected(Rejection(RejectReason.badPrice, "line \(n + 1): \(line)")))
                continue
            }
            let symbol = baseSymbol(String(fields[symbolColumn]))
            guard !symbol.isEmpty else {
                rejected.append(.rejected(Rejection(RejectReason.missingField, "line \(n + 1): \(line)")))
                continue
            }
            rows.append((date, PriceUpdate(symbol: symbol, kind: .index, value: close, exchangeTime: date)))
        }
        // Newest first in the file; a stable sort keeps same-time rows in file order.
        let ordered = rows.enumerated().sorted { a, b in
            a.element.0 != b.element.0 ? a.element.0 < b.element.0 : a.offset < b.offset
        }
        return ReplaySource(items: rejected + ordered.map { .price($0.element.1) })
    }

    /// `BTCUSD` → `BTC`, `ETH-USD` → `ETH`, `BTCUSDT` → `BTC`; anything else unchanged.
    static func baseSymbol(_ raw: String) -> String {
        let s = raw.trimmingCharacters(in: .whitespaces)
        for suffix in ["-USDT", "-USD", "/USDT", "/USD", "USDT", "USD"]
        where s.count > suffix.count && s.hasSuffix(suffix) {
            return String(s.dropLast(suffix.count))
        }
        return s
    }

    /// `2019-10-17 09-AM` (12-hour clock, `12-AM` is midnight), `2019-10-17 13:00:00`, or `2019-10-17`; UTC.
    static func parseCSVDate(_ raw: Substring) -> Double? {
        let s = raw.trimmingCharacters(in: .whitespaces)
        let parts = s.split(separator: " ")
        guard let dayPart = parts.first, parts.count <= 2 else { return nil }
        let ymd = dayPart.split(separator: "-", omittingEmptySubsequences: false)
        // Four-digit years and digits only (no sign), so the day count cannot overflow.
        guard ymd.count == 3, ymd[0].utf8.count == 4, ymd[1].utf8.count <= 2, ymd[2].utf8.count <= 2,
            ymd.allSatisfy({ $0.utf8.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
            let y = Int(ymd[0]), let m = Int(ymd[1]), let d = Int(ymd[2]),
            (1...12).contains(m), (1...Timestamp.daysInMonth(y, m)).contains(d)
        else { return nil }
        var seconds = 0
        if parts.count == 2 {
            let time = parts[1]
            if time.hasSuffix("-AM") || time.hasSuffix("-PM") {
                guard let h = clockField(time.dropLast(3), 1...12) else { return nil }
                let hour = (h % 12) + (time.hasSuffix("-PM") ? 12 : 0)
                seconds = hour * 3600
            } else {
                let hms = time.split(separator: ":", omittingEmptySubsequences: false)
                guard (2...3).contains(hms.count), let h = clockField(hms[0], 0...23),
                    let mi = clockField(hms[1], 0...59)
                else { return nil }
                let sec = hms.count == 3 ? clockField(hms[2], 0...59) : 0
                guard let sec else { return nil }
                seconds = h * 3600 + mi * 60 + sec
            }
        }
        let days = Timestamp.daysFromCivil(y, m, d)
        return Double(days * 86400 + seconds)
    }

    /// One or two unsigned digits within `range` (an hour, minute or second), else `nil`.
    static func clockField(_ s: Substring, _ range: ClosedRange<Int>) -> Int? {
        guard (1...2).contains(s.utf8.count), s.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let v = Int(s),
            range.contains(v)
        else { return nil }
        return v
    }
}
