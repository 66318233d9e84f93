#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A write that failed: where (a file path, or `stdout`) and the system's reason (`errno`).
///
/// A closed pipe (`EPIPE`: `margintop export | head`) is not a failure to report: the reader
/// has all it wanted, and a command ends quietly with exit 0 (``isClosedPipe``). Anything
/// else (`ENOSPC` on a full disk, `EACCES`, `EISDIR`) is a runtime failure, exit 1, with
/// this description as the message:
///
/// ```
/// margintop: book.json: cannot write: No space left on device
/// ```
public struct OutputError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file written, as the user named it, or `stdout` / `stderr`.
    public var target: String
    /// The `errno` of the failed call.
    public var code: Int32

    public init(target: String, code: Int32) {
        self.target = target
        self.code = code
    }

    /// The reader of a pipe went away: end quietly.
    public var isClosedPipe: Bool { code == EPIPE }

    public var description: String { "\(target): cannot write: \(String(cString: strerror(code)))" }
}
