import Foundation
import MarginCore
import MarginOutput

/// Records any feed's ticks as NDJSON tick lines (the `replay:`/`ndjson:` input format).
///
/// ```swift
/// let summary = try await FeedRecorder.record(feed, toPath: "ticks.ndjson", duration: .seconds(60))
/// ```
public enum FeedRecorder {
    /// What a recording captured.
    public struct Summary: Sendable, Equatable {
        public var ticks: Int
        /// True when the feed finished before the duration elapsed.
        public var feedFinished: Bool
        /// What the feed refused meanwhile, by reason (its counters when the recording ended).
        public var rejected: [String: Int] = [:]

        /// Total refusals over all reasons.
        public var rejectedTotal: Int { rejected.values.reduce(0, +) }

        /// For the closing line: ` (14 rejected: malformed_json 10, bad_price 4)`, most frequent
        /// reason first; empty when nothing was refused.
        public var rejectionNote: String {
            guard rejectedTotal > 0 else { return "" }
            let reasons = rejected.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            return " (\(rejectedTotal) rejected: \(reasons.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))"
        }
    }

    /// Records to the file at `path`, truncated if present; a symbolic link is followed and a
    /// device or FIFO written straight into (`OutputFile.openForStreaming(_:)`). A failed write
    /// throws an `OutputError` naming `path`.
    public static func record(
        _ feed: any PriceFeed, toPath path: String, duration: Duration?, clock: any MarginClock = SystemClock()
    ) async throws -> Summary {
        let sink = try OutputFile.openForStreaming(path)
        defer { _ = close(sink.fileDescriptor) }
        return try await record(feed, to: sink, duration: duration, clock: clock)
    }

    /// Records to an open descriptor (`.standardOutput`) until `duration` (on `clock`) has passed or
    /// the feed finishes. With no duration, records until the feed finishes or the task is cancelled.
    public static func record(
        _ feed: any PriceFeed, to sink: OutputSink, duration: Duration?, clock: any MarginClock = SystemClock()
    ) async throws -> Summary {
        // Subscribe before the timer starts so no tick is missed.
        let ticks = feed.ticks()
        let writer = TickLineWriter(sink: sink)
        enum Outcome: Sendable {
            case written(Int, finished: Bool)
            case timeUp
        }
        let result = try await withThrowingTaskGroup(of: Outcome.self) { group in
            group.addTask {
                var count = 0
                for await tick in ticks {
                    try writer.append(tick)
                    count += 1
                }
                try writer.flush()
                return .written(count, finished: !Task.isCancelled)
            }
            if let duration {
                group.addTask {
                    try? await clock.sleep(for: duration)
                    return .timeUp
                }
            }
            var written: Summary?
            while let outcome = try await group.next() {
                switch outcome {
                case .timeUp: group.cancelAll()
                case .written(let n, let finished):
                    written = Summary(ticks: n, feedFinished: finished)
                    group.cancelAll()
                }
            }
            return written ?? Summary(ticks: 0, feedFinished: false)
        }
        var summary = result
        summary.rejected = await feed.counters().rejected
        return summary
    }
}

/// Buffers tick lines and writes them in chunks.
final class TickLineWriter: @unchecked Sendable {
    // Used from one task at a time (the recorder's writer task).
    private let sink: OutputSink
    private var buffer = Data()

    init(sink: OutputSink) { self.sink = sink }

    func append(_ tick: PriceUpdate) throws {
        buffer.append(contentsOf: TickLine.encode(tick).utf8)
        buffer.append(0x0A)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try sink.write(bytes: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
