import Foundation

/// RFC 3339 / ISO 8601 timestamps, parsed and printed without Foundation formatters (fast,
/// locale-free, any number of fraction digits).
public enum Timestamp {
    /// Parses `2026-11-24T12:00:00.123Z`, `2026-11-24T12:00:00Z`, `...T12:00:00.167359596Z`,
    /// `...+02:00`; a space may replace `T`. Returns nil when invalid.
    public static func parse(_ text: some StringProtocol) -> Date? {
        let u = Array(text.utf8)
        func digits(_ at: Int, _ n: Int) -> Int? {
            guard at + n <= u.count else { return nil }
            var v = 0
            for i in at..<(at + n) {
                let c = u[i]
                guard c >= 0x30, c <= 0x39 else { return nil }
                v = v * 10 + Int(c - 0x30)
            }
            return v
        }
        guard u.count >= 19,
            let year = digits(0, 4), u[4] == UInt8(ascii: "-"),
            let month = digits(5, 2), u[7] == UInt8(ascii: "-"),
            let day = digits(8, 2), u[10] == UInt8(ascii: "T") || u[10] == UInt8(ascii: " ") || u[10] == UInt8(ascii: "t"),
            let hour = digits(11, 2), u[13] == UInt8(ascii: ":"),
            let minute = digits(14, 2), u[16] == UInt8(ascii: ":"),
            let second = digits(17, 2)
        else { return nil }
        guard (1...12).contains(month), (1...daysInMonth(year, month)).contains(day), hour < 24, minute < 60, second < 61
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < u.count, u[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            var fractionDigits: Int64 = 0
            var count = 0
            while i < u.count, u[i] >= 0x30, u[i] <= 0x39 {
                if count < 9 {
                    fractionDigits = fractionDigits * 10 + Int64(u[i] - 0x30)
                    count += 1
                }
                i += 1
            }
            guard i > start else { return nil }
            var divisor = 1.0
            for _ in 0..<count { divisor *= 10 }
            fraction = Double(fractionDigits) / divisor
        }
        var offset = 0
        guard i < u.count else { return nil }
        switch u[i] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            i += 1
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            let sign = u[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = digits(i + 1, 2), i + 3 < u.count, u[i + 3] == UInt8(ascii: ":"), let om = digits(i + 4, 2) else { return nil }
            offset = sign * (oh * 3600 + om * 60)
            i += 6
        default:
            return nil
        }
        guard i == u.count else { return nil }
        let days = daysFromCivil(year, month, day)
        let whole = Int64(days) * 86400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offset)
        // Build from whole milliseconds where possible, so "…00.123Z" round-trips exactly.
        let millis = (fraction * 1000).rounded()
        if abs(fraction * 1000 - millis) < 1e-6 {
            return Date(timeIntervalSince1970: Double(whole * 1000 + Int64(millis)) / 1000)
        }
        return Date(timeIntervalSince1970: Double(whole) + fraction)
    }

    /// The date as milliseconds since 1970 (rounded to the nearest millisecond).
    public static func milliseconds(_ date: Date) -> Int64 {
        Int64((date.timeIntervalSince1970 * 1000).rounded())
    }

    /// A date from milliseconds since 1970; exact inverse of ``milliseconds(_:)``.
    public static func date(milliseconds: Int64) -> Date {
        Date(timeIntervalSince1970: Double(milliseconds) / 1000)
    }

    /// Formats as `2026-11-24T12:00:00.123Z` (UTC, always three fraction digits).
    public static func format(_ date: Date) -> String {
        let ms = milliseconds(date)
        var seconds = ms / 1000
        var millis = ms % 1000
        if millis < 0 { millis += 1000; seconds -= 1 }
        var days = seconds / 86400
        var rem = seconds % 86400
        if rem < 0 { rem += 86400; days -= 1 }
        let (y, m, d) = civilFromDays(days)
        func pad(_ v: Int64, _ n: Int) -> String {
            let s = String(v)
            return s.count >= n ? s : String(repeating: "0", count: n - s.count) + s
        }
        return "\(pad(y, 4))-\(pad(m, 2))-\(pad(d, 2))T\(pad(rem / 3600, 2)):\(pad(rem % 3600 / 60, 2)):\(pad(rem % 60, 2)).\(pad(millis, 3))Z"
    }

    static func isLeap(_ y: Int) -> Bool { (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 }

    static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return isLeap(y) ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 (Howard Hinnant's algorithm).
    static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int64) -> (Int64, Int64, Int64) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
