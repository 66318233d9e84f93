import ArgumentParser
import Foundation
import MarginCore
import MarginOutput
import StoreCommands

/// A failure a command reports to the user: the message goes to stderr, the
/// code is the exit status of cli.md (1 runtime, 65 invalid data).
struct CLIError: Error, CustomStringConvertible {
    var message: String
    var code: Int32

    static func runtime(_ m: String) -> CLIError { CLIError(message: m, code: 1) }
    static func invalidData(_ m: String) -> CLIError { CLIError(message: m, code: 65) }

    var description: String { message }
}

/// Runs a command body, turning known errors into a message on stderr and the right exit status
/// (`StoreCLI.run`: the one place that prints errors; a closed stdout ends quietly with exit 0).
func reportingErrors(_ body: () async throws -> Void) async throws {
    try await StoreCLI.run {
        do { try await body() } catch let e as CLIError { throw StoreCLIFailure(message: e.message, code: e.code) }
    }
}

/// Reads a file whole; a missing or unreadable file is a runtime failure.
func readFile(_ path: String) throws -> [UInt8] {
    if path == "-" {
        return Array(FileHandle.standardInput.readDataToEndOfFile())
    }
    guard let data = FileManager.default.contents(atPath: path) else {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            throw CLIError.runtime(
                isDir.boolValue ? "\(path): is a directory" : "\(path): cannot be read (permission denied?)")
        }
        throw CLIError.runtime("\(path): no such file")
    }
    return Array(data)
}

/// Loads and validates a book file.
func loadBook(_ path: String) throws -> Book {
    if path != "-", let book = try BookDecoder.decode(fileAtPath: path) { return book }
    let bytes = try readFile(path)
    return try BookDecoder.decode(bytes, file: path)
}

/// Writes text to a file, or to stdout for `nil`/`-` (see `OutputFile.write(_:to:)`).
func writeOutput(_ text: String, to path: String?) throws {
    try OutputFile.write(text, to: path)
}

extension MarginModel: ExpressibleByArgument {}
