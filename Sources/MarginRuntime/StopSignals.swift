import Dispatch
import Foundation

/// SIGINT, SIGTERM and SIGHUP as a request to stop, not a death: the first one runs `stop`
/// (the command then ends by itself, its data written); a second one ends the process at once
/// with 128 + the signal, for an operator who means it.
///
/// ```swift
/// let trap = StopSignals.trap { _ in await feed.stop() }   // record and watch drain and finish
/// defer { trap.release() }
/// ```
// @unchecked: `sources` is set once in init and `DispatchSource.cancel()` is thread-safe; `received` is
// touched only on the sources' serial queue.
public final class StopSignals: @unchecked Sendable {
    public static let handled: [Int32] = [SIGINT, SIGTERM, SIGHUP]
    private let sources: [any DispatchSourceSignal]
    private let received: Received

    private final class Received: @unchecked Sendable {
        // Touched only on the sources' serial queue.
        var first: Int32?
    }

    private init(sources: [any DispatchSourceSignal], received: Received) {
        self.sources = sources
        self.received = received
    }

    /// The first stop signal received, if any.
    public var signal: Int32? { StopSignals.queue.sync { received.first } }

    /// Traps the stop signals until ``release()``.
    public static func trap(_ stop: @escaping @Sendable (Int32) async -> Void) -> StopSignals {
        let received = Received()
        var sources: [any DispatchSourceSignal] = []
        for sig in handled {
            Foundation.signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: queue)
            source.setEventHandler {
                if received.first != nil { exit(128 + sig) }
                received.first = sig
                Task { await stop(sig) }
            }
            source.resume()
            sources.append(source)
        }
        return StopSignals(sources: sources, received: received)
    }

    /// Stops trapping: the signals kill again.
    public func release() {
        for s in sources { s.cancel() }
        for sig in Self.handled { Foundation.signal(sig, SIG_DFL) }
    }

    /// A signal's name for messages (`SIGTERM`).
    public static func name(_ sig: Int32) -> String {
        switch sig {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(sig)"
        }
    }

    private static let queue = DispatchQueue(label: "margintop.stop-signals")
}
