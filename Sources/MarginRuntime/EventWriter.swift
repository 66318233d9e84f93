import Foundation
import MarginCore

/// Writes one compact JSON object per line to stdout, flushed per line.
public final class EventWriter: Sendable {
    public init() {}

    public func emit(_ event: JSONValue) {
        do {
            try FileHandle.standardOutput.write(contentsOf: Data((JSONWriter(pretty: false).write(event) + "\n").utf8))
        } catch {
            // The reader went away (`watch | head`): nothing left to report to.
            exit(0)
        }
    }
}
