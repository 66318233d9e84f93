/// Margintop's one reader of numbers written as text: the JSON number grammar (RFC 8259 §6),
/// for numeric strings in exchange frames, tick lines, CSV replays and option values alike.
///
/// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?` and nothing else: no hex
/// (`0x10`, `0x1p16`), no `inf` or `nan`, no leading `+` or `.`, no spaces. Checking the
/// bytes first and converting after keeps `Double(_:)`'s extensions out, and allocates nothing.
/// ```swift
/// DecimalNumber.parse("60012.50000000")  // 60012.5
/// DecimalNumber.parse("0x10")            // nil
/// DecimalNumber.int64("1764000000123")   // 1764000000123
/// ```
public enum DecimalNumber {
    /// Whether `text` is a JSON number.
    @inlinable public static func isValid(_ text: some StringProtocol) -> Bool {
        var utf8 = text.utf8.makeIterator()
        return scan(&utf8) != .invalid
    }

    /// The finite double that `text` spells as a JSON number; `nil` for anything else (other
    /// grammars, or a magnitude beyond `Double`).
    @inlinable public static func parse(_ text: some StringProtocol) -> Double? {
        var utf8 = text.utf8.makeIterator()
        guard scan(&utf8) != .invalid, let value = Double(text), value.isFinite else { return nil }
        return value
    }

    /// The integer that `text` spells as a JSON integer (`-? (0 | [1-9][0-9]*)`), if it fits `Int64`.
    @inlinable public static func int64(_ text: some StringProtocol) -> Int64? {
        var utf8 = text.utf8.makeIterator()
        guard scan(&utf8) == .integer else { return nil }
        return Int64(text)
    }

    /// What ``scan(_:)`` found.
    public enum Shape: Sendable, Equatable {
        case invalid
        /// Digits with an optional sign only.
        case integer
        /// A fraction or an exponent as well.
        case decimal
    }

    /// Checks the JSON number grammar over `bytes`, to their end.
    @inlinable public static func scan<I: IteratorProtocol<UInt8>>(_ bytes: inout I) -> Shape {
        @inline(__always) func isDigit(_ b: UInt8?) -> Bool { b.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
        var b = bytes.next()
        if b == UInt8(ascii: "-") { b = bytes.next() }
        guard isDigit(b) else { return .invalid }
        if b == UInt8(ascii: "0") {
            b = bytes.next()
            if isDigit(b) { return .invalid }
        } else {
            repeat { b = bytes.next() } while isDigit(b)
        }
        var shape = Shape.integer
        if b == UInt8(ascii: ".") {
            b = bytes.next()
            guard isDigit(b) else { return .invalid }
            repeat { b = bytes.next() } while isDigit(b)
            shape = .decimal
        }
        if b == UInt8(ascii: "e") || b == UInt8(ascii: "E") {
            b = bytes.next()
            if b == UInt8(ascii: "+") || b == UInt8(ascii: "-") { b = bytes.next() }
            guard isDigit(b) else { return .invalid }
            repeat { b = bytes.next() } while isDigit(b)
            shape = .decimal
        }
        return b == nil ? shape : .invalid
    }
}
