import Foundation
import MarginCore
import MarginOutput

/// Writes one compact JSON object per line to stdout, flushed per line.
public final class EventWriter: Sendable {
    public init() {}

    public func emit(_ event: JSONValue) {
        do {
            try OutputSink.standardOutput.write(JSONWriter(pretty: false).write(event) + "\n")
        } catch {
            // The reader went away (`watch | head`): nothing left to report to.
            if error.isClosedPipe { exit(0) }
            OutputSink.standardError.writeIgnoringErrors("margintop: \(error)\n")
            exit(1)
        }
    }
}
