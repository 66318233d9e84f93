/// Invalid book data: names the file, the JSON path and what is wrong.
///
/// ```
/// book.json: accounts[3].positions[0].instrument: unknown instrument "BTC-PERPX"
/// ```
public struct BookError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file the book came from, when there is one.
    public var file: String?
    /// The JSON path of the offending value (`""` for the document itself).
    public var path: String
    public var message: String
    /// Line and column for syntax errors.
    public var line: Int?
    public var column: Int?

    public init(file: String? = nil, path: String, message: String, line: Int? = nil, column: Int? = nil) {
        self.file = file
        self.path = path
        self.message = message
        self.line = line
        self.column = column
    }

    /// `file: line L, column C: path: message`, with any control character a name, key or
    /// value of the book put into it shown as `cat -v` does (``TextCell/escapeControls(_:)``),
    /// so the text is safe for a terminal or a log whoever prints it.
    public var description: String {
        var parts: [String] = []
        if let file { parts.append(file) }
        if let line, let column { parts.append("line \(line), column \(column)") }
        if !path.isEmpty { parts.append(path) }
        parts.append(message)
        return TextCell.escapeControls(parts.joined(separator: ": "))
    }
}
