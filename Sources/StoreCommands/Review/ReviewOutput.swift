import MarginCore
import MarginStore

/// Renders reviews for people (control characters made harmless) and as JSON.
public enum ReviewOutput {
    static func time(_ seconds: Double) -> String {
        Timestamp.format(seconds)
    }

    public static func line(_ r: Review) -> String {
        "review \(r.id) \(r.status.rawValue) (version \(r.version)) account \(TextCell.sanitize(r.account))\n"
    }

    public static func table(_ reviews: [Review]) -> String {
        var lines: [[String]] = [
            ["ID", "ACCOUNT", "STATUS", "VER", "OPENED BY", "UPDATED", "STATE", "MARGIN%", "NOTE"]
        ]
        for r in reviews {
            let last = r.transitions.last
            lines.append([
                String(r.id), TextCell.truncate(TextCell.sanitize(r.account), width: 20), r.status.rawValue,
                String(r.version), TextCell.truncate(TextCell.sanitize(r.openedBy), width: 16), time(r.updatedAt),
                last?.metrics?.state ?? "-",
                last?.metrics?.marginRatio.map { Money.percent($0) } ?? "-",
                TextCell.truncate(TextCell.sanitize(r.notes.last ?? ""), width: 40),
            ])
        }
        var widths = [Int](repeating: 0, count: lines[0].count)
        for l in lines { for (i, c) in l.enumerated() { widths[i] = max(widths[i], TextCell.width(c)) } }
        var out = ""
        for l in lines {
            var line = l.enumerated().map { TextCell.padRight($0.element, widths[$0.offset]) }.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    public static func json(_ reviews: [Review]) -> String {
        let items: [JSONValue] = reviews.map { r in
            .object([
                ("id", .integer(Int(r.id))),
                ("account", .string(r.account)),
                ("status", .string(r.status.rawValue)),
                ("version", .integer(r.version)),
                ("openedBy", .string(r.openedBy)),
                ("openedAt", .string(time(r.openedAt))),
                ("updatedAt", .string(time(r.updatedAt))),
                (
                    "transitions",
                    .array(
                        r.transitions.map { t in
                            .object([
                                ("status", .string(t.status.rawValue)),
                                ("operator", .string(t.operator)),
                                ("at", .string(time(t.at))),
                                ("note", t.note.map { .string($0) } ?? .null),
                                ("metrics", t.metrics?.json ?? .null),
                                ("confirmedMetrics", t.confirmed?.json ?? .null),
                            ])
                        })
                ),
            ])
        }
        return JSONWriter(pretty: true).write(
            .object([
                ("format", .string("margintop.reviews/1")),
                ("reviews", .array(items)),
            ])) + "\n"
    }
}
