import Foundation

/// An open file descriptor written with checked `write(2)` calls and named for error messages.
///
/// Foundation's non-throwing `FileHandle.write(_:)` traps on any error (a closed pipe, a full
/// disk); every write of margintop's output goes through here instead and throws an
/// ``OutputError`` naming the target.
///
/// ```swift
/// try OutputSink.standardOutput.write("ACC-1,safe\n")
/// ```
public struct OutputSink: Sendable {
    /// The descriptor written; not owned (never closed here).
    public let fileDescriptor: Int32
    /// The target's name in error messages: a path as the user gave it, `stdout` or `stderr`.
    public let name: String

    public init(fileDescriptor: Int32, name: String) {
        self.fileDescriptor = fileDescriptor
        self.name = name
    }

    /// File descriptor 1.
    public static let standardOutput = OutputSink(fileDescriptor: 1, name: "stdout")
    /// File descriptor 2.
    public static let standardError = OutputSink(fileDescriptor: 2, name: "stderr")

    /// Writes the UTF-8 of `text` whole.
    public func write(_ text: String) throws(OutputError) {
        var text = text
        let code = text.withUTF8 { Self.writeAll(fileDescriptor, UnsafeRawBufferPointer($0)) }
        if code != 0 { throw OutputError(target: name, code: code) }
    }

    /// Writes `bytes` whole.
    public func write(bytes: some ContiguousBytes) throws(OutputError) {
        let code = bytes.withUnsafeBytes { Self.writeAll(fileDescriptor, $0) }
        if code != 0 { throw OutputError(target: name, code: code) }
    }

    /// Writes `text` if it can, for messages on stderr: a closed or full stderr leaves nowhere to report to.
    public func writeIgnoringErrors(_ text: String) {
        try? write(text)
    }

    /// Writes every byte, retrying after signals and short writes; 0 or the `errno` of the failure.
    static func writeAll(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) -> Int32 {
        guard var base = buffer.baseAddress else { return 0 }
        var left = buffer.count
        while left > 0 {
            let n = systemWrite(fd, base, left)
            if n < 0 {
                let e = errno
                if e == EINTR { continue }
                if e == EAGAIN || e == EWOULDBLOCK {
                    // A non-blocking descriptor inherited from the parent: wait until it drains.
                    var p = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    _ = poll(&p, 1, -1)
                    continue
                }
                return e
            }
            base += n
            left -= n
        }
        return 0
    }
}

#if canImport(Glibc)
    private let systemWrite = Glibc.write
#elseif canImport(Darwin)
    private let systemWrite = Darwin.write
#endif
