import MarginCore

/// A screen in memory: `rows` × `cols` cells that views draw into.
///
/// Every string written is sanitised (`TextCell.sanitize`) and measured by
/// display width, so nothing from a book, a feed or a store can move the
/// cursor or break the columns.
///
/// ```swift
/// var b = CellBuffer(rows: 24, cols: 80)
/// b.put(row: 0, col: 0, "margintop", role: .title)
/// ```
public struct CellBuffer: Sendable, Equatable {
    public let rows: Int
    public let cols: Int
    public private(set) var cells: [Cell]

    public init(rows: Int, cols: Int, role: Role = .text) {
        self.rows = max(0, rows)
        self.cols = max(0, cols)
        cells = Array(repeating: Cell(role: role), count: self.rows * self.cols)
    }

    public subscript(row: Int, col: Int) -> Cell {
        get { cells[row * cols + col] }
        set { cells[row * cols + col] = newValue }
    }

    /// Sets one cell, blanking the other half of any wide character it cuts.
    public mutating func set(row r: Int, col c: Int, _ cell: Cell) {
        guard r >= 0, r < rows, c >= 0, c < cols else { return }
        if self[r, c].isContinuation, c > 0 { self[r, c - 1] = Cell(role: self[r, c - 1].role) }
        if c + 1 < cols, self[r, c + 1].isContinuation { self[r, c + 1] = Cell(role: self[r, c + 1].role) }
        self[r, c] = cell
    }

    /// Fills a rectangle with blanks of `role`.
    public mutating func fill(row: Int, col: Int, height: Int, width: Int, role: Role) {
        for r in max(0, row)..<min(rows, row + height) {
            for c in max(0, col)..<min(cols, col + width) { set(row: r, col: c, Cell(role: role)) }
        }
    }

    /// Writes `text` at (row, col), clipped to `width` cells (default: to the edge) with an
    /// ellipsis when cut; returns the number of cells written. Wide characters never straddle the edge.
    @discardableResult
    public mutating func put(row: Int, col: Int, _ text: String, role: Role, width: Int? = nil) -> Int {
        guard row >= 0, row < rows, col < cols else { return 0 }
        let limit = min(width ?? (cols - col), cols - col)
        guard limit > 0 else { return 0 }
        let clean = TextCell.truncate(TextCell.sanitize(text), width: limit)
        var c = col
        // One cell per spacing scalar, as curses draws them (a cchar_t holds one spacing character and
        // its combining marks): a grapheme of several emoji takes the cells its scalars measure, every one
        // rewritten, so nothing of what was there before shows through.
        var last = -1
        for u in clean.unicodeScalars {
            let w = TextCell.width(u)
            if w == 0 {
                // A combining mark: attach to the previous cell, never a cell of its own.
                if last >= 0, last < cols { self[row, last].text.unicodeScalars.append(u) }
                continue
            }
            let ch = Character(u)
            if c + w > col + limit { break }
            last = c
            if c >= 0 {
                set(row: row, col: c, Cell(text: String(ch), role: role))
                if w == 2 {
                    if c + 2 < cols, self[row, c + 2].isContinuation {
                        self[row, c + 2] = Cell(role: self[row, c + 2].role)
                    }
                    self[row, c + 1] = Cell(text: "", role: role, isContinuation: true)
                }
            }
            c += w
        }
        return c - col
    }

    /// Writes `text` padded (left- or right-aligned) to exactly `width` cells.
    public mutating func putPadded(row: Int, col: Int, _ text: String, width: Int, role: Role, alignRight: Bool = false)
    {
        guard width > 0 else { return }
        let clean = TextCell.truncate(TextCell.sanitize(text), width: width)
        let padded = alignRight ? TextCell.padLeft(clean, width) : TextCell.padRight(clean, width)
        put(row: row, col: col, padded, role: role, width: width)
    }

    /// Sets the role of a run of cells, keeping their text.
    public mutating func paint(row: Int, col: Int, width: Int, role: Role) {
        guard row >= 0, row < rows else { return }
        for c in max(0, col)..<min(cols, col + width) { self[row, c].role = role }
    }

    /// One row as plain text (continuation cells dropped).
    public func line(_ r: Int) -> String {
        var s = ""
        for c in 0..<cols where !self[r, c].isContinuation { s += self[r, c].text }
        return s
    }

    /// The screen as text, rows joined by newlines, trailing blanks kept.
    public var text: String { (0..<rows).map(line).joined(separator: "\n") }

    /// A golden rendering: each text row followed by its role marks (one per cell, `|` prefix).
    public var golden: String {
        var out = "size \(cols)x\(rows)\n"
        for r in 0..<rows {
            out += ">" + line(r) + "\n"
            var m = "|"
            for c in 0..<cols { m.append(self[r, c].isContinuation ? "<" : self[r, c].role.mark) }
            out += m + "\n"
        }
        return out
    }
}
