/// The small TOML subset margintop's own files use (themes, `config.toml`): `# comments`, `[section]`
/// headers, and `key = value` lines whose value is a quoted string, `true`/`false`, a number, or an
/// array of quoted strings on one line.
///
/// ```swift
/// for case .entry(let e) in try TOMLLite.lines("[safe]\nfg = \"green\"\n") {
///     print(e.section ?? "-", e.key, e.value)   // safe fg "green"
/// }
/// ```
public enum TOMLLite {
    /// One `key = value` line.
    public struct Entry: Sendable, Equatable {
        /// 1-based line number.
        public var line: Int
        /// The `[section]` above the line, `nil` before any.
        public var section: String?
        public var key: String
        /// The value as written (trimmed); read it with ``string(_:)``, ``bool(_:)``, ``number(_:)``, ``strings(_:)``.
        public var value: String
    }

    /// A line that is not TOML of the subset.
    public struct SyntaxError: Error, Sendable, Equatable {
        public var line: Int
        public var message: String
    }

    /// A line of `text` that says something: a section header or an entry.
    public enum Line: Sendable, Equatable {
        case section(String, line: Int)
        case entry(Entry)
    }

    /// The section headers and entries of `text`, in order.
    public static func lines(_ text: String) throws(SyntaxError) -> [Line] {
        var out: [Line] = []
        var section: String?
        var lineNo = 0
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            lineNo += 1
            let line = trim(stripComment(String(raw)))
            if line.isEmpty { continue }
            if line.hasPrefix("[") {
                guard line.hasSuffix("]") else {
                    throw SyntaxError(line: lineNo, message: "unclosed section header '\(line)'")
                }
                let name = trim(String(line.dropFirst().dropLast()))
                section = name
                out.append(.section(name, line: lineNo))
                continue
            }
            guard let eq = line.firstIndex(of: "=") else {
                throw SyntaxError(line: lineNo, message: "expected 'key = value', got '\(line)'")
            }
            out.append(
                .entry(
                    Entry(
                        line: lineNo, section: section, key: trim(String(line[..<eq])),
                        value: trim(String(line[line.index(after: eq)...])))))
        }
        return out
    }

    /// A quoted string's contents, or `nil`.
    public static func string(_ v: String) -> String? {
        guard v.count >= 2, v.hasPrefix("\""), v.hasSuffix("\"") else { return nil }
        let inner = String(v.dropFirst().dropLast())
        return inner.contains("\"") ? nil : inner
    }

    /// `true` or `false`, or `nil`.
    public static func bool(_ v: String) -> Bool? {
        switch v {
        case "true": true
        case "false": false
        default: nil
        }
    }

    /// A plain decimal number (`0.05`, `5`, `1e-2`), or `nil` (no `nan`, `inf`, hexadecimal).
    public static func number(_ v: String) -> Double? {
        guard v.wholeMatch(of: /[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?/) != nil,
            let d = Double(v), d.isFinite
        else { return nil }
        return d
    }

    /// An array of quoted strings on one line (`["id", "name"]`), or `nil`.
    public static func strings(_ v: String) -> [String]? {
        guard v.hasPrefix("["), v.hasSuffix("]") else { return nil }
        let inner = trim(String(v.dropFirst().dropLast()))
        if inner.isEmpty { return [] }
        var items: [String] = []
        for part in inner.split(separator: ",", omittingEmptySubsequences: false) {
            let p = trim(String(part))
            // A trailing comma is allowed.
            if p.isEmpty, part.endIndex == inner.endIndex { continue }
            guard let s = string(p) else { return nil }
            items.append(s)
        }
        return items
    }

    static func trim(_ s: String) -> String {
        var t = Substring(s)
        while let f = t.first, f == " " || f == "\t" || f == "\r" { t = t.dropFirst() }
        while let l = t.last, l == " " || l == "\t" || l == "\r" { t = t.dropLast() }
        return String(t)
    }

    static func stripComment(_ s: String) -> String {
        var inString = false
        for (i, ch) in s.enumerated() {
            if ch == "\"" { inString.toggle() }
            if ch == "#" && !inString { return String(s.prefix(i)) }
        }
        return s
    }
}
