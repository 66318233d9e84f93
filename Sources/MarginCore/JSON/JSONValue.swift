/// A parsed JSON value that keeps object key order, so that errors can name
/// keys in document order and encoders can write a stable layout.
///
/// One type for every JSON in margintop: books and snapshots (``JSONParser/parse(_:)-([UInt8])``,
/// ``JSONWriter``) and exchange frames (``JSONParser/parse(_:maxDepth:)``, read with the
/// lenient accessors below, since exchanges send numbers as strings and optional fields).
/// ```swift
/// let v = try JSONParser.parse(#"{"E": 1562305380000, "p": "11794.15"}"#)
/// v["E"]?.int64Value   // 1562305380000
/// v["p"]?.numberValue  // 11794.15
/// ```
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case number(Double)
    /// An integer for output (counts); the parser always yields `.number`.
    case integer(Int)
    case string(String)
    case array([JSONValue])
    /// Members in document order; duplicate keys are rejected by the parser.
    case object([(String, JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.integer(let a), .integer(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            return a.count == b.count && zip(a, b).allSatisfy { $0.0 == $1.0 && $0.1 == $1.1 }
        default: return false
        }
    }

    /// A short name of the value's JSON type, for error messages.
    public var typeName: String {
        switch self {
        case .null: return "null"
        case .bool: return "a boolean"
        case .number, .integer: return "a number"
        case .string: return "a string"
        case .array: return "an array"
        case .object: return "an object"
        }
    }

    /// The member named `key` when this is an object. Lookup is linear, which beats hashing
    /// for the small objects books and exchanges have.
    @inlinable public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        // By index: comparing `members[i].0` copies no member.
        var i = 0
        while i < members.count {
            if members[i].0 == key { return members[i].1 }
            i += 1
        }
        return nil
    }

    /// The string payload, if this is a string.
    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    /// The array payload, if this is an array.
    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// A number, or a string holding a JSON number (exchanges send prices as strings); hex,
    /// `inf` and `nan` strings are not numbers (``DecimalNumber``).
    public var numberValue: Double? {
        switch self {
        case .number(let d): return d
        case .integer(let i): return Double(i)
        case .string(let s): return DecimalNumber.parse(s)
        default: return nil
        }
    }

    /// An integer number (or a string holding a JSON integer), e.g. a millisecond timestamp.
    public var int64Value: Int64? {
        switch self {
        case .number(let d):
            guard d.isFinite, d == d.rounded(), abs(d) < 9.0e15 else { return nil }
            return Int64(d)
        case .integer(let i): return Int64(i)
        case .string(let s): return DecimalNumber.int64(s)
        default: return nil
        }
    }
}

/// A syntax error in a JSON document, with its 1-based line and column.
public struct JSONSyntaxError: Error, Sendable, Equatable, CustomStringConvertible {
    public var line: Int
    public var column: Int
    public var message: String
    /// The JSON path of the container being read when the error was found.
    public var path: String

    public var description: String {
        let at = path.isEmpty ? "" : " (in \(path))"
        return "line \(line), column \(column): \(message)\(at)"
    }
}

/// A strict RFC 8259 parser: no trailing commas, no comments, no `NaN` or
/// `Infinity`, no duplicate keys in one object, numbers that fit a finite double,
/// strings that are valid UTF-8.
///
/// Works on the UTF-8 bytes in place and keeps no per-value bookkeeping: the error's
/// line, column and path are worked out only when there is an error, so exchange frames
/// (hundreds of thousands of prices a second) parse as fast as books.
public struct JSONParser {
    /// The nesting limit for books; exchange frames are parsed with a lower one.
    public static let defaultMaxDepth = 512

    // Internal, not private: ``BookStreamDecoder`` drives the parser token by token.
    let bytes: UnsafeBufferPointer<UInt8>
    private let maxDepth: Int
    var pos = 0

    /// Parses one JSON document from text.
    /// - Parameter maxDepth: deeper nesting is rejected rather than risking the stack
    ///   (feeds use 64 for hostile input).
    public static func parse(_ text: String, maxDepth: Int = defaultMaxDepth) throws(JSONSyntaxError) -> JSONValue {
        var copy = text
        let result = copy.withUTF8 { buffer in
            Result { () throws(JSONSyntaxError) -> JSONValue in try parse(utf8: buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON document from UTF-8 bytes (a leading byte-order mark is skipped).
    public static func parse(_ bytes: [UInt8], maxDepth: Int = defaultMaxDepth) throws(JSONSyntaxError) -> JSONValue {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(JSONSyntaxError) -> JSONValue in try parse(utf8: buffer, maxDepth: maxDepth) }
        }
        return try result.get()
    }

    /// Parses one JSON document from a UTF-8 buffer (a leading byte-order mark is skipped).
    public static func parse(utf8 bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int = defaultMaxDepth)
        throws(JSONSyntaxError) -> JSONValue
    {
        var parser = JSONParser(bytes: bytes, maxDepth: maxDepth)
        if bytes.count >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF { parser.pos = 3 }
        do throws(JSONSyntaxError) {
            parser.skipWhitespace()
            let value = try parser.parseValue(depth: 0)
            parser.skipWhitespace()
            if parser.pos < bytes.count {
                throw parser.error("unexpected content after the end of the document")
            }
            return value
        } catch {
            var e = error
            if e.path.hasPrefix(".") { e.path.removeFirst() }
            throw e
        }
    }

    init(bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
    }

    /// An error at the current position; containers being read prepend their path component as
    /// it propagates (see ``within(_:_:)``).
    private func error(_ message: String) -> JSONSyntaxError {
        var line = 1
        var column = 1
        var i = 0
        let end = min(pos, bytes.count)
        while i < end {
            if bytes[i] == UInt8(ascii: "\n") {
                line += 1
                column = 1
            } else if bytes[i] & 0xC0 != 0x80 {
                column += 1
            }
            i += 1
        }
        return JSONSyntaxError(line: line, column: column, message: message, path: "")
    }

    /// Parses a member or element value, naming `component` in the path of any error inside it.
    @inline(__always)
    private mutating func within(_ component: @autoclosure () -> String, _ depth: Int) throws(JSONSyntaxError)
        -> JSONValue
    {
        do throws(JSONSyntaxError) {
            return try parseValue(depth: depth)
        } catch {
            var e = error
            e.path = component() + e.path
            throw e
        }
    }

    /// Inlined, with the common case (no whitespace: compact JSON) a single comparison.
    @inline(__always) mutating func skipWhitespace() {
        if pos < bytes.count, bytes[pos] > 0x20 { return }
        while pos < bytes.count {
            switch bytes[pos] {
            case 0x20, 0x09, 0x0A, 0x0D: pos += 1
            default: return
            }
        }
    }

    mutating func parseValue(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        guard depth < maxDepth else { throw error("nesting deeper than \(maxDepth) levels") }
        guard pos < bytes.count else { throw error("unexpected end of document, expected a value") }
        switch bytes[pos] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth)
        case UInt8(ascii: "["): return try parseArray(depth: depth)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectWord("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectWord("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectWord("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        case UInt8(ascii: "N"), UInt8(ascii: "I"):
            throw error("NaN and Infinity are not JSON numbers")
        default:
            throw error("unexpected character \(describe(bytes[pos])), expected a value")
        }
    }

    private func describe(_ b: UInt8) -> String {
        if b >= 0x20 && b < 0x7F { return "'\(Character(Unicode.Scalar(b)))'" }
        return "0x" + String(b, radix: 16, uppercase: true)
    }

    private mutating func expectWord(_ word: StaticString) throws(JSONSyntaxError) {
        let w = word.utf8Start
        for i in 0..<word.utf8CodeUnitCount {
            guard pos + i < bytes.count, bytes[pos + i] == w[i] else {
                throw error("invalid literal, expected '\(word)'")
            }
        }
        pos += word.utf8CodeUnitCount
    }

    private mutating func parseObject(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        pos += 1
        var members: [(String, JSONValue)] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "}") {
            pos += 1
            return .object(members)
        }
        // Exchange objects have a handful of fields: one allocation instead of regrowing.
        members.reserveCapacity(12)
        // One bit per key seen (by a cheap hash): keys are compared only when their bit is taken.
        var seen: UInt64 = 0
        while true {
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: "\"") else {
                throw error(pos < bytes.count ? "expected a quoted key" : "unexpected end of document inside an object")
            }
            let keyStart = pos
            let key = try parseString()
            // Linear: objects are small, and short keys compare in a word or two.
            let bit = keyBit(key, from: keyStart + 1, to: pos - 1)
            if seen & bit != 0 {
                var i = 0
                while i < members.count {
                    if members[i].0 == key {
                        pos = keyStart
                        throw error("duplicate key \"\(key)\"")
                    }
                    i += 1
                }
            }
            seen |= bit
            skipWhitespace()
            guard pos < bytes.count, bytes[pos] == UInt8(ascii: ":") else {
                throw error("expected ':' after key \"\(key)\"")
            }
            pos += 1
            skipWhitespace()
            let value = try within(JSONPath.key(key), depth + 1)
            members.append((key, value))
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of document inside an object") }
            if bytes[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            if bytes[pos] == UInt8(ascii: "}") {
                pos += 1
                return .object(members)
            }
            throw error("expected ',' or '}' in an object, found \(describe(bytes[pos]))")
        }
    }

    /// One of 64 bits for a key, from the length and the first and last bytes of its text
    /// (`start..<end` between the quotes); every bit for a key written with escapes, whose text
    /// differs from its value.
    @inline(__always) private func keyBit(_ key: String, from start: Int, to end: Int) -> UInt64 {
        let length = end - start
        guard length == key.utf8.count else { return ~0 }
        guard length > 0 else { return 1 }
        let h = UInt64(length) << 16 | UInt64(bytes[start]) << 8 | UInt64(bytes[end - 1])
        return 1 << ((h &* 0x9E37_79B9_7F4A_7C15) >> 58)
    }

    private mutating func parseArray(depth: Int) throws(JSONSyntaxError) -> JSONValue {
        pos += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "]") {
            pos += 1
            return .array(items)
        }
        while true {
            skipWhitespace()
            let index = items.count
            items.append(try within("[\(index)]", depth + 1))
            skipWhitespace()
            guard pos < bytes.count else { throw error("unexpected end of document inside an array") }
            if bytes[pos] == UInt8(ascii: ",") {
                pos += 1
                continue
            }
            if bytes[pos] == UInt8(ascii: "]") {
                pos += 1
                return .array(items)
            }
            throw error("expected ',' or ']' in an array, found \(describe(bytes[pos]))")
        }
    }

    mutating func parseString() throws(JSONSyntaxError) -> String {
        pos += 1
        let start = pos
        // Fast path: no escapes; ASCII needs no UTF-8 validation.
        var high: UInt8 = 0
        while pos < bytes.count {
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                let raw = UnsafeBufferPointer(rebasing: bytes[start..<pos])
                let s: String
                if high < 0x80 {
                    s = String(decoding: raw, as: UTF8.self)
                } else {
                    guard let valid = String(validating: raw, as: UTF8.self) else {
                        throw error("string is not valid UTF-8")
                    }
                    s = valid
                }
                pos += 1
                return s
            }
            if b == UInt8(ascii: "\\") || b < 0x20 { break }
            high |= b
            pos += 1
        }
        pos = start
        var out: [UInt8] = []
        while true {
            guard pos < bytes.count else { throw error("unterminated string") }
            let b = bytes[pos]
            if b == UInt8(ascii: "\"") {
                pos += 1
                break
            }
            if b < 0x20 { throw error("control character \(describe(b)) inside a string must be escaped") }
            if b != UInt8(ascii: "\\") {
                out.append(b)
                pos += 1
                continue
            }
            pos += 1
            guard pos < bytes.count else { throw error("unterminated escape") }
            let e = bytes[pos]
            pos += 1
            switch e {
            case UInt8(ascii: "\""): out.append(0x22)
            case UInt8(ascii: "\\"): out.append(0x5C)
            case UInt8(ascii: "/"): out.append(0x2F)
            case UInt8(ascii: "b"): out.append(0x08)
            case UInt8(ascii: "f"): out.append(0x0C)
            case UInt8(ascii: "n"): out.append(0x0A)
            case UInt8(ascii: "r"): out.append(0x0D)
            case UInt8(ascii: "t"): out.append(0x09)
            case UInt8(ascii: "u"):
                var scalar = try parseHex4()
                if (0xD800...0xDBFF).contains(scalar) {
                    guard pos + 1 < bytes.count, bytes[pos] == UInt8(ascii: "\\"), bytes[pos + 1] == UInt8(ascii: "u")
                    else {
                        throw error("unpaired surrogate in \\u escape")
                    }
                    pos += 2
                    let low = try parseHex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw error("invalid low surrogate in \\u escape") }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(scalar) {
                    throw error("unpaired surrogate in \\u escape")
                }
                guard let u = Unicode.Scalar(scalar) else { throw error("invalid \\u escape") }
                out.append(contentsOf: Array(String(Character(u)).utf8))
            default:
                pos -= 1
                throw error("invalid escape \\\(Character(Unicode.Scalar(e)))")
            }
        }
        guard let s = String(validating: out, as: UTF8.self) else { throw error("string is not valid UTF-8") }
        return s
    }

    private mutating func parseHex4() throws(JSONSyntaxError) -> UInt32 {
        guard pos + 4 <= bytes.count else { throw error("truncated \\u escape") }
        var v: UInt32 = 0
        for _ in 0..<4 {
            let c = bytes[pos]
            let d: UInt32
            switch c {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): d = UInt32(c - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): d = UInt32(c - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): d = UInt32(c - UInt8(ascii: "A") + 10)
            default: throw error("invalid hex digit in \\u escape")
            }
            v = v * 16 + d
            pos += 1
        }
        return v
    }

    /// A number, checked against the grammar and converted in the same pass: the digits are
    /// gathered into an integer mantissa and a decimal exponent, and when the mantissa is at most
    /// 2^53 and the exponent within ±22 (both exact doubles) one multiplication or division gives
    /// the correctly rounded value (Clinger's fast path), the same double `Double(text)` gives.
    /// Anything longer or larger goes through `Double(text)`.
    mutating func parseNumber() throws(JSONSyntaxError) -> Double {
        let start = pos
        var negative = false
        if bytes[pos] == UInt8(ascii: "-") {
            negative = true
            pos += 1
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "I") {
                throw error("NaN and Infinity are not JSON numbers")
            }
        }
        guard pos < bytes.count, isDigit(bytes[pos]) else { throw error("invalid number") }
        var mantissa: UInt64 = 0
        // Significant digits gathered (leading zeros are not), and whether any was dropped.
        var significant = 0
        var exponent = 0
        if bytes[pos] == UInt8(ascii: "0") {
            pos += 1
            if pos < bytes.count, isDigit(bytes[pos]) { throw error("leading zeros are not allowed in numbers") }
        } else {
            while pos < bytes.count, isDigit(bytes[pos]) {
                mantissa = mantissa &* 10 &+ UInt64(bytes[pos] &- 0x30)
                significant += 1
                pos += 1
            }
        }
        if pos < bytes.count, bytes[pos] == UInt8(ascii: ".") {
            pos += 1
            guard pos < bytes.count, isDigit(bytes[pos]) else {
                throw error("invalid number: digits expected after '.'")
            }
            while pos < bytes.count, isDigit(bytes[pos]) {
                let d = bytes[pos] &- 0x30
                if significant > 0 || d != 0 {
                    mantissa = mantissa &* 10 &+ UInt64(d)
                    significant += 1
                }
                exponent -= 1
                pos += 1
            }
        }
        var exactExponent = true
        if pos < bytes.count, bytes[pos] == UInt8(ascii: "e") || bytes[pos] == UInt8(ascii: "E") {
            pos += 1
            var minus = false
            if pos < bytes.count, bytes[pos] == UInt8(ascii: "+") || bytes[pos] == UInt8(ascii: "-") {
                minus = bytes[pos] == UInt8(ascii: "-")
                pos += 1
            }
            guard pos < bytes.count, isDigit(bytes[pos]) else {
                throw error("invalid number: digits expected in exponent")
            }
            var e = 0
            while pos < bytes.count, isDigit(bytes[pos]) {
                if e < 100_000 { e = e * 10 + Int(bytes[pos] &- 0x30) } else { exactExponent = false }
                pos += 1
            }
            exponent += minus ? -e : e
        }
        // 19 digits always fit a UInt64; the fast path needs the mantissa exact in a double.
        if exactExponent, significant <= 19, mantissa <= 1 << 53 {
            if mantissa == 0 { return negative ? -0.0 : 0.0 }
            if exponent >= -22 && exponent <= 22 {
                let m = Double(mantissa)
                let value = exponent < 0 ? m / Self.powersOfTen[-exponent] : m * Self.powersOfTen[exponent]
                return negative ? -value : value
            }
        }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<pos]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            pos = start
            throw error("number \(text) does not fit a finite double")
        }
        return value
    }

    /// 10^0 ... 10^22, every one an exact double.
    private static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18,
        1e19, 1e20, 1e21, 1e22,
    ]

    @inline(__always) private func isDigit(_ b: UInt8) -> Bool { b >= 0x30 && b <= 0x39 }
}

/// Rendering of JSON paths as `accounts[3].positions[0].instrument` or `assets["B TC"]`.
public enum JSONPath {
    /// One path component for an object key: `.key` for a plain identifier, else the key as a
    /// JSON string literal in brackets (``JSONWriter/quote(_:)``: quotes, backslashes and every
    /// C0, DEL and C1 control escaped, `\u001b` with four digits so the text reads back unambiguously).
    public static func key(_ k: String) -> String {
        if isIdentifier(k) { return ".\(k)" }
        return "[\(JSONWriter.quote(k))]"
    }

    public static func render(_ components: [String]) -> String {
        var s = components.joined()
        if s.hasPrefix(".") { s.removeFirst() }
        return s
    }

    static func isIdentifier(_ k: String) -> Bool {
        guard let first = k.unicodeScalars.first, first.isASCII,
            first == "_" || first.properties.isAlphabetic
        else { return false }
        return k.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_" || $0 == "-")
        }
    }
}
