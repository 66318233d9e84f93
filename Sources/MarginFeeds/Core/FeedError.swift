/// Errors from this module: bad specs, bad files, bad symbol maps. Messages are fit for users.
public struct FeedError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable {
        /// The `--feed` spec could not be understood.
        case badSpec
        /// A replay/NDJSON/CSV/symbol-map file could not be read or parsed.
        case badFile
        /// A websocket URL is unusable.
        case badURL
    }

    public var code: Code
    public var message: String
    /// The file involved, if any.
    public var file: String?
    /// The 1-based line involved, if any.
    public var line: Int?

    public init(_ code: Code, _ message: String, file: String? = nil, line: Int? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.line = line
    }

    public var description: String {
        var location = ""
        if let file { location = file + (line.map { ":\($0)" } ?? "") + ": " }
        return location + message
    }
}
