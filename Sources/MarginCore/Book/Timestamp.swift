/// A UTC instant as the book wrote it: `YYYY-MM-DDTHH:MM:SS[.frac](Z|+HH:MM)`.
///
/// The text is kept so that output echoes the input exactly. Also margintop's one reader and
/// writer of timestamps elsewhere: ``parseLenient(_:)`` for exchange and recorded times,
/// ``format(_:fixedMilliseconds:)`` for output, both in seconds since the epoch.
public struct Timestamp: Sendable, Hashable, Comparable {
    /// Seconds since 1970-01-01T00:00:00Z.
    public var epochSeconds: Double
    /// The text as written.
    public var text: String

    public static func < (a: Timestamp, b: Timestamp) -> Bool { a.epochSeconds < b.epochSeconds }

    /// Parses the strict form; returns `nil` for anything else (a missing zone included), and for
    /// an instant outside ``representableSeconds`` (`0000-01-01T00:00:00Z`).
    /// Books are read with this.
    public static func parse(_ text: String) -> Timestamp? {
        guard let seconds = epochSeconds(Array(text.utf8), lenient: false) else { return nil }
        return Timestamp(epochSeconds: seconds, text: text)
    }

    /// Parses what exchanges and recordings send: the strict form, or with a space (or `t`)
    /// instead of `T`, a lower-case `z`, a leap second, any number of fraction digits
    /// (nanoseconds are kept, the rest ignored). Returns seconds since the epoch, or `nil`
    /// (also outside ``representableSeconds``).
    /// ```swift
    /// Timestamp.parseLenient("2023-02-09 20:30:37.167359596Z")  // 1675974637.167359596
    /// ```
    public static func parseLenient(_ text: some StringProtocol) -> Double? {
        epochSeconds(Array(text.utf8), lenient: true)
    }

    /// The one parser behind ``parse(_:)`` and ``parseLenient(_:)``.
    static func epochSeconds(_ b: [UInt8], lenient: Bool) -> Double? {
        guard b.count >= 20 else { return nil }
        func num(_ from: Int, _ len: Int) -> Int? {
            var v = 0
            for i in from..<(from + len) {
                guard i < b.count, b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        let separator =
            b[10] == UInt8(ascii: "T") || lenient && (b[10] == UInt8(ascii: " ") || b[10] == UInt8(ascii: "t"))
        guard let y = num(0, 4), b[4] == UInt8(ascii: "-"), let mo = num(5, 2), b[7] == UInt8(ascii: "-"),
            let d = num(8, 2), separator, let h = num(11, 2), b[13] == UInt8(ascii: ":"),
            let mi = num(14, 2), b[16] == UInt8(ascii: ":"), let s = num(17, 2)
        else { return nil }
        guard (1...12).contains(mo), d >= 1, d <= daysInMonth(y, mo), h <= 23, mi <= 59, s <= (lenient ? 60 : 59)
        else { return nil }
        var i = 19
        var fraction = 0.0
        if i < b.count, b[i] == UInt8(ascii: ".") {
            i += 1
            let start = i
            var digits: Int64 = 0
            var count = 0
            while i < b.count, b[i] >= 0x30, b[i] <= 0x39 {
                if count < 9 {
                    digits = digits * 10 + Int64(b[i] - 0x30)
                    count += 1
                }
                i += 1
            }
            guard i > start else { return nil }
            var divisor = 1.0
            for _ in 0..<count { divisor *= 10 }
            fraction = Double(digits) / divisor
        }
        guard i < b.count else { return nil }
        var offset = 0
        if b[i] == UInt8(ascii: "Z") || lenient && b[i] == UInt8(ascii: "z") {
            i += 1
        } else if b[i] == UInt8(ascii: "+") || b[i] == UInt8(ascii: "-") {
            let sign = b[i] == UInt8(ascii: "-") ? -1 : 1
            guard let oh = num(i + 1, 2), i + 3 < b.count, b[i + 3] == UInt8(ascii: ":"), let om = num(i + 4, 2),
                oh <= 23, om <= 59
            else { return nil }
            offset = sign * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let whole = Int64(daysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + s - offset)
        // From whole milliseconds where possible, so "…00.123Z" reads back exactly what format wrote.
        let millis = (fraction * 1000).rounded()
        let value =
            abs(fraction * 1000 - millis) < 1e-6
            ? seconds(milliseconds: whole * 1000 + Int64(millis)) : Double(whole) + fraction
        // Year 0000, an offset that crosses year 1 or 9999, or a fraction past 9999's last millisecond.
        return isRepresentable(value) ? value : nil
    }

    public init(epochSeconds: Double, text: String) {
        self.epochSeconds = epochSeconds
        self.text = text
    }

    /// A timestamp written in UTC with milliseconds: `2026-11-24T12:00:00.123Z`.
    public init(epochSeconds: Double) {
        self.epochSeconds = epochSeconds
        self.text = Timestamp.format(epochSeconds)
    }

    /// The instants the four-digit form can write, seconds since the epoch:
    /// `0001-01-01T00:00:00Z` through `9999-12-31T23:59:59.999Z`. Feeds reject exchange
    /// times outside it (``isRepresentable(_:)``).
    public static let representableSeconds: ClosedRange<Double> = -62_135_596_800...253_402_300_799.999

    /// Whether `epochSeconds` is finite and within ``representableSeconds``.
    @inlinable public static func isRepresentable(_ epochSeconds: Double) -> Bool {
        representableSeconds.contains(epochSeconds)
    }

    /// Formats seconds since the epoch as `YYYY-MM-DDTHH:MM:SS[.mmm]Z`: milliseconds only when
    /// non-zero, or always with `fixedMilliseconds` (tick lines: `2026-11-24T12:00:00.000Z`).
    /// Total over `Double`: an instant outside ``representableSeconds`` is written as the nearest
    /// end of it (NaN as the earliest), never a trap.
    public static func format(_ epochSeconds: Double, fixedMilliseconds: Bool = false) -> String {
        let range = representableSeconds
        let clamped =
            epochSeconds.isNaN ? range.lowerBound : min(max(epochSeconds, range.lowerBound), range.upperBound)
        let totalMs = milliseconds(clamped)
        var secs = totalMs / 1000
        var ms = totalMs % 1000
        if ms < 0 {
            ms += 1000
            secs -= 1
        }
        var days = secs / 86400
        var rem = secs % 86400
        if rem < 0 {
            rem += 86400
            days -= 1
        }
        let (y, m, d) = civilFromDays(Int(days))
        func p2(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        let year = y >= 1000 ? "\(y)" : String(repeating: "0", count: max(0, 4 - "\(y)".count)) + "\(y)"
        var s = "\(year)-\(p2(m))-\(p2(d))T\(p2(Int(rem / 3600))):\(p2(Int(rem % 3600 / 60))):\(p2(Int(rem % 60)))"
        if ms != 0 || fixedMilliseconds {
            let m3 = ms < 10 ? "00\(ms)" : ms < 100 ? "0\(ms)" : "\(ms)"
            s += ".\(m3)"
        }
        return s + "Z"
    }

    /// Seconds since the epoch as whole milliseconds (rounded to the nearest); beyond `Int64`
    /// the nearest end of it, NaN as 0, never a trap.
    public static func milliseconds(_ epochSeconds: Double) -> Int64 {
        let ms = (epochSeconds * 1000).rounded()
        if ms.isNaN { return 0 }
        if ms >= 9_223_372_036_854_775_808.0 { return .max }
        if ms <= -9_223_372_036_854_775_808.0 { return .min }
        return Int64(ms)
    }

    /// Seconds since the epoch from milliseconds; the exact inverse of ``milliseconds(_:)``.
    public static func seconds(milliseconds: Int64) -> Double {
        Double(milliseconds) / 1000
    }

    /// Validates a `YYYY-MM-DD` date.
    public static func isValidDate(_ text: String) -> Bool {
        let b = Array(text.utf8)
        guard b.count == 10, b[4] == UInt8(ascii: "-"), b[7] == UInt8(ascii: "-") else { return false }
        func num(_ r: Range<Int>) -> Int? {
            var v = 0
            for i in r {
                guard b[i] >= 0x30, b[i] <= 0x39 else { return nil }
                v = v * 10 + Int(b[i] - 0x30)
            }
            return v
        }
        guard let y = num(0..<4), let m = num(5..<7), let d = num(8..<10), (1...12).contains(m) else { return false }
        return d >= 1 && d <= daysInMonth(y, m)
    }

    /// Days in month `m` (1...12) of year `y`.
    public static func daysInMonth(_ y: Int, _ m: Int) -> Int {
        switch m {
        case 2: return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    /// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil).
    public static func daysFromCivil(_ y0: Int, _ m: Int, _ d: Int) -> Int {
        let y = m <= 2 ? y0 - 1 : y0
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    static func civilFromDays(_ z0: Int) -> (Int, Int, Int) {
        let z = z0 + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp + (mp < 10 ? 3 : -9)
        return (m <= 2 ? y + 1 : y, m, d)
    }
}
