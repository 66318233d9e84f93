/// Writes JSON text: pretty (two-space indent, like the spec's examples) or compact.
public struct JSONWriter {
    public var pretty: Bool
    public init(pretty: Bool = true) { self.pretty = pretty }

    /// The text of `value`, without a trailing newline.
    public func write(_ value: JSONValue) -> String {
        var out = ""
        write(value, indent: 0, into: &out)
        return out
    }

    /// Shortest round-trip text of a finite double; `-0` is written as `0.0`. A non-finite
    /// value (which no figure should be) is written as `null`: JSON has no `nan` or `inf`.
    public static func number(_ x: Double) -> String {
        guard x.isFinite else { return "null" }
        if x == 0 { return "0.0" }
        return x.description
    }

    /// A JSON string literal, escaping quotes, backslashes and every control character.
    public static func quote(_ s: String) -> String {
        var out = ""
        quote(s, into: &out)
        return out
    }

    /// ``quote(_:)`` appended to `out`: a string with nothing to escape (every key, most
    /// values) is appended whole.
    static func quote(_ s: String, into out: inout String) {
        // C1 controls (U+0080-U+009F) are two UTF-8 bytes starting 0xC2.
        if !s.utf8.contains(where: { $0 < 0x20 || $0 == 0x22 || $0 == 0x5C || $0 == 0x7F || $0 == 0xC2 }) {
            out += "\""
            out += s
            out += "\""
            return
        }
        out += "\""
        for u in s.unicodeScalars {
            switch u {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if u.value < 0x20 || (0x7F...0x9F).contains(u.value) {
                    let hex = String(u.value, radix: 16, uppercase: false)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(u)
                }
            }
        }
        out += "\""
    }

    func write(_ value: JSONValue, indent: Int, into out: inout String) {
        switch value {
        case .null: out += "null"
        case .bool(let b): out += b ? "true" : "false"
        case .number(let x): out += JSONWriter.number(x)
        case .integer(let x): out += String(x)
        case .string(let s): JSONWriter.quote(s, into: &out)
        case .array(let items):
            if items.isEmpty {
                out += "[]"
                return
            }
            out += "["
            for (i, item) in items.enumerated() {
                if i > 0 { out += "," }
                newline(indent + 1, &out)
                write(item, indent: indent + 1, into: &out)
            }
            newline(indent, &out)
            out += "]"
        case .object(let members):
            if members.isEmpty {
                out += "{}"
                return
            }
            out += "{"
            for (i, (k, v)) in members.enumerated() {
                if i > 0 { out += "," }
                newline(indent + 1, &out)
                JSONWriter.quote(k, into: &out)
                out += pretty ? ": " : ":"
                write(v, indent: indent + 1, into: &out)
            }
            newline(indent, &out)
            out += "}"
        }
    }

    private func newline(_ indent: Int, _ out: inout String) {
        guard pretty else { return }
        out += "\n"
        for _ in 0..<indent { out += "  " }
    }
}
