import Foundation
import MarginCore

/// Number and text formats for the dashboard's narrow columns.
public enum Fmt {
    /// `1.23M`, `-45.6K`, `812.00`; `-` for non-finite.
    public static func compact(_ x: Double) -> String {
        guard x.isFinite else { return "-" }
        let a = abs(x)
        let sign = x < 0 ? "-" : ""
        switch a {
        case 1e12...: return sign + String(format: "%.2fT", a / 1e12)
        case 1e9...: return sign + String(format: "%.2fB", a / 1e9)
        case 1e6...: return sign + String(format: "%.2fM", a / 1e6)
        case 1e4...: return sign + String(format: "%.1fK", a / 1e3)
        default: return Money.format(x)
        }
    }

    /// `compact` without cents, for columns of sizes: `812`, `2.22K`, `45.6K`, `1.23M`; `-` for
    /// non-finite. One format down a column (never `2,223.87` beside `2.96M`).
    public static func compactUnits(_ x: Double) -> String {
        guard x.isFinite else { return "-" }
        let a = abs(x)
        if a < 999.5 { return Money.format(x, decimals: 0) }
        if a < 1e4 { return (x < 0 ? "-" : "") + String(format: "%.2fK", a / 1e3) }
        return compact(x)
    }

    /// A count with thousands separators: `55,236`.
    public static func count(_ n: Int) -> String { Money.format(Double(n), decimals: 0) }

    /// A price with decimals that suit its size.
    public static func price(_ p: Double) -> String {
        guard p.isFinite else { return "-" }
        let a = abs(p)
        return Money.format(p, decimals: a >= 1000 ? 2 : (a >= 1 ? 3 : 5))
    }

    /// `x` with `decimals`, or `compact(x)` when that would not leave a space in `width` cells.
    public static func fit(_ x: Double, decimals: Int, width: Int) -> String {
        let full = Money.fixed(x, decimals: decimals)
        return full.count < width ? full : compact(x)
    }

    /// A sampled margin ratio: the history records an infinite ratio as 10 (1000%).
    public static func sampledRatio(_ r: Double) -> String { r >= 10 ? "inf" : ratio(r) }

    /// A margin ratio as a percentage; `inf` when infinite.
    public static func ratio(_ r: Double) -> String {
        guard r.isFinite else { return "inf" }
        return r >= 100 ? ">9999%" : Money.percent(r, decimals: 1)
    }

    /// Seconds as `0.4s`, `12s`, `3m05s`, `2h01m`.
    public static func age(_ s: Double) -> String {
        guard s.isFinite else { return "-" }
        if s < 10 { return String(format: "%.1fs", max(0, s)) }
        let n = Int(s)
        if n < 60 { return "\(n)s" }
        if n < 3600 { return String(format: "%dm%02ds", n / 60, n % 60) }
        return String(format: "%dh%02dm", n / 3600, (n % 3600) / 60)
    }

    /// A signed fraction as percent with one decimal, `+5.0%`; `0.0%` (no sign) when it rounds to zero.
    public static func move(_ m: Double) -> String { Money.signedPercent(m, decimals: 1) }

    /// Unicode sparkline of `values` in `width` cells (the most recent samples).
    public static func sparkline(_ values: [Double], width: Int) -> String {
        let ticks: [Character] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]
        let v = Array(values.suffix(max(0, width)).filter(\.isFinite))
        guard let lo = v.min(), let hi = v.max() else { return String(repeating: " ", count: max(0, width)) }
        let span = hi - lo
        var s = String(
            v.map { x -> Character in
                span <= 0 ? ticks[3] : ticks[min(7, max(0, Int((x - lo) / span * 7.999)))]
            })
        if v.count < width { s = String(repeating: " ", count: width - v.count) + s }
        return s
    }

    /// A horizontal bar of `fraction` (0...1) in `width` cells with eighth blocks.
    public static func bar(_ fraction: Double, width: Int) -> String {
        guard width > 0 else { return "" }
        let f = fraction.isFinite ? min(1, max(0, fraction)) : 1
        let eighths = Int((f * Double(width * 8)).rounded())
        let full = eighths / 8
        let partial = eighths % 8
        let parts: [Character] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
        var s = String(repeating: "█", count: full)
        if full < width {
            s.append(parts[partial])
            s += String(repeating: " ", count: width - full - 1)
        }
        return s
    }

    /// UTC clock `12:00:05`.
    public static func clock(_ t: Double) -> String {
        let s = Int(t.rounded(.down)) % 86400
        return String(format: "%02d:%02d:%02d", s / 3600, (s % 3600) / 60, s % 60)
    }
}
