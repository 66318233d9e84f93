import MarginCore

extension Fmt {
    /// `text` cut into lines of at most `width` display cells, at spaces where it can
    /// (a word wider than a line is cut where the line ends). Sanitised first; never returns no line.
    ///
    /// ```swift
    /// Fmt.wrap("sort: IM MM ratio exposure", width: 12)  // ["sort: IM MM", "ratio", "exposure"]
    /// ```
    public static func wrap(_ text: String, width: Int) -> [String] {
        let w = max(1, width)
        var lines: [String] = []
        var line = ""
        var used = 0
        func flush() {
            lines.append(line)
            line = ""
            used = 0
        }
        for word in TextCell.sanitize(text).split(separator: " ", omittingEmptySubsequences: true) {
            var rest = String(word)
            var rw = TextCell.width(rest)
            if used > 0 && used + 1 + rw <= w {
                line += " " + rest
                used += 1 + rw
                continue
            }
            if used > 0 { flush() }
            // A word wider than a line: as much as fits on each line.
            while rw > w {
                var head = ""
                var hw = 0
                var tail = rest.unicodeScalars[...]
                while let u = tail.first, hw + TextCell.width(u) <= w {
                    head.unicodeScalars.append(u)
                    hw += TextCell.width(u)
                    tail = tail.dropFirst()
                }
                if head.isEmpty, let u = tail.first {
                    head.unicodeScalars.append(u)
                    tail = tail.dropFirst()
                }
                lines.append(head)
                rest = String(String.UnicodeScalarView(tail))
                rw = TextCell.width(rest)
            }
            line = rest
            used = rw
        }
        if used > 0 || lines.isEmpty { flush() }
        return lines
    }
}
