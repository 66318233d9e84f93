import Foundation

/// Text that goes to a terminal: sanitised, measured by display width, truncated.
public enum TextCell {
    /// Replaces control and format characters (C0, DEL, C1, bidi controls) with `?` so
    /// nothing from a book or a feed can drive the terminal. A zero-width joiner is dropped: the
    /// emoji it would join are drawn one by one, at the width every terminal gives them.
    public static func sanitize(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            if isControl(u) {
                out += "?"
            } else if u.value == 0x200D {
                continue
            } else if u.properties.generalCategory == .format {
                out += "?"
            } else {
                out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// Shows control characters the way `cat -v` does, for line-oriented text (CSV, error
    /// messages, the log file): C0 as `^@`…`^_` (ESC is `^[`, a newline `^J`), DEL as `^?`, C1 as
    /// `M-^@`…`M-^_` (CSI U+009B is `M-^[`). Nothing else changes, so names keep their letters,
    /// emoji and joiners; only the writer's own line ends reach the terminal or the file.
    ///
    /// ```swift
    /// TextCell.escapeControls("a\u{1B}]0;pwned\u{07}")  // "a^[]0;pwned^G"
    /// ```
    public static func escapeControls(_ s: String) -> String {
        guard s.unicodeScalars.contains(where: isControl) else { return s }
        var out = ""
        out.reserveCapacity(s.utf8.count + 8)
        for u in s.unicodeScalars {
            switch u.value {
            case 0x00..<0x20: out += "^" + String(Unicode.Scalar(UInt8(u.value + 0x40)))
            case 0x7F: out += "^?"
            case 0x80...0x9F: out += "M-^" + String(Unicode.Scalar(UInt8(u.value - 0x80 + 0x40)))
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    /// C0, DEL or C1: the characters that can drive a terminal.
    public static func isControl(_ u: Unicode.Scalar) -> Bool {
        u.value < 0x20 || (0x7F...0x9F).contains(u.value)
    }

    /// Display width of one scalar: 0 for combining marks, 2 for East Asian wide and emoji.
    public static func width(_ u: Unicode.Scalar) -> Int {
        let v = u.value
        if v == 0 { return 0 }
        switch u.properties.generalCategory {
        case .nonspacingMark, .enclosingMark, .format: return 0
        default: break
        }
        if (0x1100...0x115F).contains(v) || (0x2E80...0x303E).contains(v) || (0x3041...0x33FF).contains(v)
            || (0x3400...0x4DBF).contains(v) || (0x4E00...0x9FFF).contains(v) || (0xA000...0xA4CF).contains(v)
            || (0xAC00...0xD7A3).contains(v) || (0xF900...0xFAFF).contains(v) || (0xFE30...0xFE4F).contains(v)
            || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v) || (0x1F300...0x1F64F).contains(v)
            || (0x1F900...0x1F9FF).contains(v) || (0x20000...0x3FFFD).contains(v)
        {
            return 2
        }
        return 1
    }

    public static func width(_ s: String) -> Int { s.unicodeScalars.reduce(0) { $0 + width($1) } }

    /// Cuts `s` to at most `width` cells, ending with `…` when cut.
    public static func truncate(_ s: String, width w: Int) -> String {
        guard width(s) > w else { return s }
        guard w > 0 else { return "" }
        var out = ""
        var used = 0
        for u in s.unicodeScalars {
            let cw = width(u)
            if used + cw > w - 1 { break }
            out.unicodeScalars.append(u)
            used += cw
        }
        return out + "…"
    }

    public static func padRight(_ s: String, _ w: Int) -> String {
        s + String(repeating: " ", count: max(0, w - width(s)))
    }
    public static func padLeft(_ s: String, _ w: Int) -> String {
        String(repeating: " ", count: max(0, w - width(s))) + s
    }
}

/// Number formats for people (tables, the dashboard). A value that rounds to zero at the shown
/// decimals prints without a sign (`0.00`, `0.0%`, never `-0.00` or `-0.0%`).
public enum Money {
    /// `1,234,567.89`; `-` for non-finite.
    public static func format(_ x: Double, decimals: Int = 2) -> String {
        guard x.isFinite else { return "-" }
        let s = String(format: "%.\(decimals)f", abs(x))
        let parts = s.split(separator: ".", maxSplits: 1)
        var intPart = String(parts[0])
        var grouped = ""
        while intPart.count > 3 {
            grouped = "," + intPart.suffix(3) + grouped
            intPart = String(intPart.dropLast(3))
        }
        grouped = intPart + grouped
        if parts.count > 1 { grouped += "." + parts[1] }
        return (x < 0 && !isZero(s) ? "-" : "") + grouped
    }

    /// `x` with `decimals` and no grouping (`-12.5000`), unsigned when it rounds to zero; `-` for non-finite.
    ///
    /// ```swift
    /// Money.fixed(-0.00001, decimals: 2)  // "0.00"
    /// ```
    public static func fixed(_ x: Double, decimals: Int) -> String {
        guard x.isFinite else { return "-" }
        let s = String(format: "%.\(max(0, decimals))f", abs(x))
        return (x < 0 && !isZero(s) ? "-" : "") + s
    }

    /// A fraction as a percentage, `11.57%`; `-` for non-finite.
    public static func percent(_ x: Double, decimals: Int = 2) -> String {
        guard x.isFinite else { return "-" }
        return fixed(x * 100, decimals: decimals) + "%"
    }

    /// A signed move, `+60.62%` / `-12.00%`; `0.00%` (no sign) when it rounds to zero.
    public static func signedPercent(_ x: Double, decimals: Int = 2) -> String {
        guard x.isFinite else { return "-" }
        let s = fixed(x * 100, decimals: decimals)
        return (x > 0 && !isZero(s) ? "+" : "") + s + "%"
    }

    /// Whether a printed number shows only zeros.
    static func isZero(_ printed: String) -> Bool { !printed.contains { $0 >= "1" && $0 <= "9" } }
}
