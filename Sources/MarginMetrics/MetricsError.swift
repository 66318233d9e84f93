/// Why the metrics endpoint could not start: a bad `--metrics HOST:PORT` (usage, exit 64) or an
/// address it cannot listen on (runtime, exit 1).
public struct MetricsError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: Sendable, Equatable {
        /// `--metrics` is not `HOST:PORT` with a port in 0...65535.
        case badAddress
        /// Binding the address failed (in use, not an address of this machine, no permission).
        case cannotListen
    }

    public var code: Code
    public var message: String
    public var description: String { message }

    /// The exit status of cli.md: 64 for a bad address, 1 when it cannot be listened on.
    public var exitCode: Int32 { code == .badAddress ? 64 : 1 }

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }
}
