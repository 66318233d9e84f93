import Synchronization

/// A rendezvous for one producer and one consumer of ``FeedStep``s, with acknowledgement:
/// ``deliver(_:)`` returns only once the consumer has taken the step *and* asked for the next
/// one (so it is done with it), the consumer closed, or the producer's task was cancelled.
///
/// Continuations are resumed outside the lock, always taken out of the state first, so none is
/// resumed twice.
final class StepHandoff: Sendable {
    private struct State {
        /// A step delivered while no consumer was waiting.
        var offered: FeedStep?
        /// The consumer waiting for a step.
        var consumer: CheckedContinuation<FeedStep?, Never>?
        /// The producer waiting for its step to be done; `taken` once the consumer has it.
        var producer: CheckedContinuation<Bool, Never>?
        var taken = false
        /// The producer has no more steps.
        var closed = false
        /// The consumer is gone.
        var abandoned = false
    }

    private let state = Mutex(State())

    // MARK: Producer

    /// Hands `step` over and waits until the consumer is done with it. `false`: nobody will take
    /// another step (the consumer is gone, or this task was cancelled); stop producing.
    func deliver(_ step: FeedStep) async -> Bool {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<Bool, Never>) in
                let (consumer, refused) = state.withLock { s -> (CheckedContinuation<FeedStep?, Never>?, Bool) in
                    if s.abandoned || s.closed || Task.isCancelled { return (nil, true) }
                    s.producer = c
                    if let waiting = s.consumer {
                        s.consumer = nil
                        s.taken = true
                        return (waiting, false)
                    }
                    s.offered = step
                    s.taken = false
                    return (nil, false)
                }
                if refused { c.resume(returning: false) }
                consumer?.resume(returning: step)
            }
        } onCancel: {
            // A step already offered stays for the consumer: the feed counted it as delivered.
            state.withLock { s in
                defer { s.producer = nil }
                return s.producer
            }?.resume(returning: false)
        }
    }

    /// No more steps: a waiting consumer gets `nil`, and so does every later ``next()`` once an
    /// offered step is taken.
    func close() {
        state.withLock { s -> CheckedContinuation<FeedStep?, Never>? in
            s.closed = true
            defer { s.consumer = nil }
            return s.consumer
        }?.resume(returning: nil)
    }

    // MARK: Consumer

    /// Acknowledges the previous step and waits for the next; `nil` when closed or cancelled.
    func next() async -> FeedStep? {
        await withTaskCancellationHandler {
            await withCheckedContinuation { (c: CheckedContinuation<FeedStep?, Never>) in
                let (ack, result) = state.withLock { s -> (CheckedContinuation<Bool, Never>?, FeedStep??) in
                    var ack: CheckedContinuation<Bool, Never>?
                    if s.taken, let producer = s.producer {
                        s.producer = nil
                        s.taken = false
                        ack = producer
                    }
                    if let step = s.offered {
                        s.offered = nil
                        s.taken = true
                        return (ack, .some(step))
                    }
                    if s.closed || Task.isCancelled { return (ack, .some(nil)) }
                    s.consumer = c
                    return (ack, nil)
                }
                ack?.resume(returning: true)
                if let result { c.resume(returning: result) }
            }
        } onCancel: {
            state.withLock { s in
                defer { s.consumer = nil }
                return s.consumer
            }?.resume(returning: nil)
        }
    }

    /// The consumer is gone: a waiting producer gets `false`, as does every later ``deliver(_:)``.
    func abandon() {
        state.withLock { s -> CheckedContinuation<Bool, Never>? in
            s.abandoned = true
            s.offered = nil
            defer { s.producer = nil }
            return s.producer
        }?.resume(returning: false)
    }
}
