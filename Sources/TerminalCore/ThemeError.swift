/// A theme loading problem, naming the file, line and key.
public struct ThemeError: Error, CustomStringConvertible, Equatable {
    public var file: String
    public var line: Int
    public var message: String
    public var description: String {
        line > 0 ? "theme \(file), line \(line): \(message)" : "theme \(file): \(message)"
    }
    public init(file: String, line: Int, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }
}
