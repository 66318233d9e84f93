import ArgumentParser
import Foundation
import MarginCore
import MarginOutput
import MarginStore

/// Error reporting and small helpers of the store commands.
public enum StoreCLI {
    /// The login name: `$USER`, `$LOGNAME`, then the password database.
    public static func loginName() -> String {
        let env = ProcessInfo.processInfo.environment
        if let u = env["USER"], !u.isEmpty { return u }
        if let u = env["LOGNAME"], !u.isEmpty { return u }
        if let pw = getpwuid(geteuid()), let name = pw.pointee.pw_name { return String(cString: name) }
        return "uid\(geteuid())"
    }

    /// Runs a command body: a message on stderr and exit 1 (runtime) or 65 (invalid data) on failure;
    /// a closed stdout (`| head`) ends it quietly with exit 0.
    public static func run(_ body: () async throws -> Void) async throws {
        do {
            try await body()
        } catch let e as StoreError {
            if case .invalidBook(let b) = e {
                fail(b.description)
                throw ExitCode(65)
            }
            fail(e.description)
            throw ExitCode(1)
        } catch let e as BookError {
            fail(e.description)
            throw ExitCode(65)
        } catch let e as StoreCLIFailure {
            fail(e.message)
            throw ExitCode(e.code)
        } catch let e as OutputError {
            // A closed stdout (`| head`) ends the command quietly, as Unix tools do.
            if e.isClosedPipe { throw ExitCode.success }
            fail(e.description)
            throw ExitCode(1)
        }
    }

    /// One line on stderr; ids and names it quotes cannot drive the terminal.
    static func fail(_ message: String) {
        OutputSink.standardError.writeIgnoringErrors("margintop: \(TextCell.escapeControls(message))\n")
    }

    static func readFile(_ path: String) throws -> [UInt8] {
        if path == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: path) else {
            var isDir: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
                throw StoreCLIFailure(
                    message: isDir.boolValue ? "\(path): is a directory" : "\(path): cannot be read",
                    code: 1)
            }
            throw StoreCLIFailure(message: "\(path): no such file", code: 1)
        }
        return Array(data)
    }

    /// Writes to a file or stdout (`nil`/`-`); see `OutputFile.write(_:to:)`.
    static func write(_ text: String, to path: String?) throws {
        try OutputFile.write(text, to: path)
    }
}

/// A failure with its exit status, reported by ``StoreCLI/run(_:)``.
public struct StoreCLIFailure: Error {
    public var message: String
    public var code: Int32

    public init(message: String, code: Int32) {
        self.message = message
        self.code = code
    }
}
