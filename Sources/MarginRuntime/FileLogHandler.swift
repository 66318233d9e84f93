import Foundation
import Logging
import MarginCore

/// swift-log to a file, never to the terminal: `$XDG_STATE_HOME/margintop/margintop.log`
/// (`~/.local/state/margintop/margintop.log`), or `MARGINTOP_LOG`.
public struct FileLogHandler: LogHandler {
    let label: String
    let file: FileHandle
    /// Stamps each line.
    let clock: any MarginClock = SystemClock()
    public var logLevel: Logger.Level = .info
    public var metadata: Logger.Metadata = [:]

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        let meta = metadata.merging(event.metadata ?? [:]) { $1 }
        let extra = meta.isEmpty ? "" : " " + meta.map { "\($0)=\($1)" }.sorted().joined(separator: " ")
        // A feed sample or a name in a message can neither forge a line nor plant escape sequences.
        let text = TextCell.escapeControls("\(label): \(event.message)\(extra)")
        let line = "\(Timestamp.format(clock.now, fixedMilliseconds: true)) \(event.level) \(text)\n"
        // A full disk drops the line: a log write must never stop the program.
        try? file.write(contentsOf: Data(line.utf8))
    }

    public static func logPath() -> String {
        if let p = ProcessInfo.processInfo.environment["MARGINTOP_LOG"], !p.isEmpty { return p }
        let env = ProcessInfo.processInfo.environment
        let base =
            env["XDG_STATE_HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? (NSHomeDirectory() + "/.local/state")
        return base + "/margintop/margintop.log"
    }

    /// Sends every logger of the process to the log file (or nowhere if it cannot be opened).
    public static func bootstrap() {
        let path = logPath()
        try? FileManager.default.createDirectory(
            atPath: (path as NSString).deletingLastPathComponent,
            withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) {
            _ = FileManager.default.createFile(atPath: path, contents: nil)
        }
        let handle = FileHandle(forWritingAtPath: path)
        handle?.seekToEndOfFile()
        LoggingSystem.bootstrap { label in
            guard let handle else { return SwiftLogNoOpLogHandler() }
            return FileLogHandler(label: label, file: handle)
        }
    }
}
