import NIOConcurrencyHelpers

/// Fans values out to any number of `AsyncStream` subscribers.
final class Broadcaster<Value: Sendable>: Sendable {
    private struct State {
        var next = 0
        var continuations: [Int: AsyncStream<Value>.Continuation] = [:]
        var last: Value?
        var finished = false
    }
    private let state = NIOLockedValueBox(State())
    private let replayLast: Bool

    /// - Parameter replayLast: new subscribers get the latest value first.
    init(replayLast: Bool = false) { self.replayLast = replayLast }

    var subscriberCount: Int { state.withLockedValue { $0.continuations.count } }

    func subscribe() -> AsyncStream<Value> {
        let (stream, continuation) = AsyncStream.makeStream(of: Value.self, bufferingPolicy: .unbounded)
        let replay: Value? = state.withLockedValue { s in
            if s.finished {
                continuation.finish()
                return nil
            }
            let id = s.next
            s.next += 1
            s.continuations[id] = continuation
            continuation.onTermination = { [weak self] _ in
                self?.state.withLockedValue { _ = $0.continuations.removeValue(forKey: id) }
            }
            return replayLast ? s.last : nil
        }
        if let replay { continuation.yield(replay) }
        return stream
    }

    func yield(_ value: Value) {
        let targets = state.withLockedValue { s -> [AsyncStream<Value>.Continuation] in
            s.last = value
            return Array(s.continuations.values)
        }
        for c in targets { c.yield(value) }
    }

    func finish() {
        let targets = state.withLockedValue { s -> [AsyncStream<Value>.Continuation] in
            s.finished = true
            defer { s.continuations.removeAll() }
            return Array(s.continuations.values)
        }
        for c in targets { c.finish() }
    }
}
