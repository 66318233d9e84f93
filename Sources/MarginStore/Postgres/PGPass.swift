import Foundation

/// Finds a PostgreSQL password the way libpq does: `PGPASSWORD`, then the
/// password file (`PGPASSFILE` or `~/.pgpass`, `host:port:database:user:password`
/// lines, `*` matching anything, `\:` and `\\` escaped). Never logged.
public enum PGPass {
    public static func password(
        for target: PostgresTarget,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) -> String? {
        if let p = environment["PGPASSWORD"], !p.isEmpty { return p }
        let file =
            environment["PGPASSFILE"]
            ?? ((environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()) + "/.pgpass")
        guard let text = try? String(contentsOfFile: file, encoding: .utf8) else { return nil }
        return lookup(text, target)
    }

    /// The password of the first matching line of a password file's text.
    public static func lookup(_ text: String, _ t: PostgresTarget) -> String? {
        for raw in text.split(whereSeparator: \.isNewline) {
            let line = String(raw)
            if line.hasPrefix("#") { continue }
            let fields = split(line)
            guard fields.count == 5 else { continue }
            func match(_ f: String, _ v: String) -> Bool { f == "*" || f == v }
            let hostOK =
                match(fields[0], t.host)
                || (fields[0] == "localhost" && (t.host == "127.0.0.1" || t.host == "::1"))
            if hostOK, match(fields[1], String(t.port)), match(fields[2], t.database), match(fields[3], t.user) {
                return fields[4]
            }
        }
        return nil
    }

    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for ch in line {
            if escaped {
                current.append(ch)
                escaped = false
                continue
            }
            if ch == "\\" {
                escaped = true
                continue
            }
            if ch == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
                continue
            }
            current.append(ch)
        }
        fields.append(current)
        return fields
    }
}
