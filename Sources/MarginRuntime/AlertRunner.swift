import Foundation
import MarginCore
import MarginOutput

/// Runs the alert command per alert: deduplicated per key for a minute, rate-limited,
/// never blocking the loop, failures reported on stderr.
public actor AlertRunner {
    let command: String
    let perMinute: Int
    private var lastByKey: [String: Double] = [:]
    private var recent: [Double] = []
    private var running: [Process] = []
    public private(set) var suppressed = 0

    public init(command: String, perMinute: Int) {
        self.command = command
        self.perMinute = perMinute
    }

    public func alert(key: String, event: JSONValue, now: Double) {
        if let last = lastByKey[key], now - last < 60 {
            suppressed += 1
            return
        }
        recent.removeAll { now - $0 >= 60 }
        guard recent.count < perMinute else {
            suppressed += 1
            OutputSink.standardError.writeIgnoringErrors(
                "margintop: alert rate limit (\(perMinute)/min) reached; alert for \(TextCell.escapeControls(key)) dropped\n"
            )
            return
        }
        lastByKey[key] = now
        recent.append(now)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let input = Pipe()
        p.standardInput = input
        p.standardOutput = FileHandle.standardError
        let cmd = command
        p.terminationHandler = { proc in
            if proc.terminationStatus != 0 {
                OutputSink.standardError.writeIgnoringErrors(
                    "margintop: alert command `\(cmd)` exited \(proc.terminationStatus)\n")
            }
        }
        do {
            try p.run()
            // A command that exits without reading its input must not stop the loop (EPIPE, SIGPIPE ignored).
            try? input.fileHandleForWriting.write(
                contentsOf: Data((JSONWriter(pretty: false).write(event) + "\n").utf8))
            try? input.fileHandleForWriting.close()
            running.append(p)
        } catch {
            OutputSink.standardError.writeIgnoringErrors(
                "margintop: alert command `\(command)` could not start: \(error)\n")
        }
        running.removeAll { !$0.isRunning }
    }

    /// Waits (up to 5 s) for alert commands still running.
    public func drain() async {
        for _ in 0..<250 where running.contains(where: \.isRunning) { try? await Task.sleep(for: .milliseconds(20)) }
    }
}
