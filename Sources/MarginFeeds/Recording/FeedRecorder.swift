import Foundation
import MarginCore

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
    }

    /// Records to a new file at `path` (replaced if present).
    public static func record(
        _ feed: any PriceFeed, toPath path: String, duration: Duration?, clock: any MarginClock = SystemClock()
    ) async throws -> Summary {
        guard FileManager.default.createFile(atPath: path, contents: nil) else {
            throw FeedError(.badFile, "cannot create the recording file", file: path)
        }
        let handle: FileHandle
        do { handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path)) } catch {
            throw FeedError(.badFile, "cannot open the recording file: \(error.localizedDescription)", file: path)
        }
        defer { try? handle.close() }
        return try await record(feed, to: handle, duration: duration, clock: clock)
    }

    /// Records to an open handle until `duration` (on `clock`) has passed or the feed finishes.
    /// With no duration, records until the feed finishes or the task is cancelled.
    public static func record(
        _ feed: any PriceFeed, to handle: FileHandle, duration: Duration?, clock: any MarginClock = SystemClock()
    ) async throws -> Summary {
        // Subscribe before the timer starts so no tick is missed.
        let ticks = feed.ticks()
        let writer = TickLineWriter(handle: handle)
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
        return result
    }
}

/// Buffers tick lines and writes them in chunks.
final class TickLineWriter: @unchecked Sendable {
    // Used from one task at a time (the recorder's writer task).
    private let handle: FileHandle
    private var buffer = Data()

    init(handle: FileHandle) { self.handle = handle }

    func append(_ tick: PriceUpdate) throws {
        buffer.append(contentsOf: TickLine.encode(tick).utf8)
        buffer.append(0x0A)
        if buffer.count >= 64 * 1024 { try flush() }
    }

    func flush() throws {
        guard !buffer.isEmpty else { return }
        try handle.write(contentsOf: buffer)
        buffer.removeAll(keepingCapacity: true)
    }
}
