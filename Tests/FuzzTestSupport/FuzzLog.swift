import Foundation
import MarginCore

/// What a fuzz run saw: how many cases, how each ended, and the first few failures with the
/// input that caused them (controls shown as `^[`, cut to a readable length).
///
/// Failures are collected rather than asserted one by one, so a run of 100,000 cases costs
/// the decoder's time, not the test framework's; the test asserts ``failures`` is empty at the end.
public struct FuzzLog: Sendable {
    /// Cases per decoder: `MARGINTOP_FUZZ_CASES` when it is a positive integer, else 100,000.
    public static var cases: Int {
        guard let text = ProcessInfo.processInfo.environment["MARGINTOP_FUZZ_CASES"], let n = Int(text), n > 0
        else { return 100_000 }
        return n
    }

    /// Runs split in two, each half on its own task with its own seed, so a fuzz test uses both
    /// cores of the build machine even when tests run one at a time (`--no-parallel`). Fixed,
    /// not the machine's core count, so every machine runs the same cases.
    public static let shardCount = 2

    /// `0..<count` as ``shardCount`` contiguous ranges.
    public static func shards(_ count: Int) -> [Range<Int>] {
        (0..<shardCount).map { k in (count * k / shardCount)..<(count * (k + 1) / shardCount) }
    }

    /// Whether `s` holds a character that can drive a terminal (``TextCell/isControl(_:)``).
    public static func hasControl(_ s: String) -> Bool { s.unicodeScalars.contains(where: TextCell.isControl) }

    public private(set) var failureCount = 0
    /// The first 20 failures, each naming the case number, the mutations and the input.
    public private(set) var failures: [String] = []
    /// Cases by outcome (`accepted`, or a rejection reason).
    public private(set) var outcomes: [String: Int] = [:]

    public init() {}

    public mutating func count(_ outcome: String) { outcomes[outcome, default: 0] += 1 }

    /// Adds another shard's outcomes and failures to these.
    public mutating func merge(_ other: FuzzLog) {
        failureCount += other.failureCount
        failures += other.failures.prefix(max(0, 20 - failures.count))
        outcomes.merge(other.outcomes, uniquingKeysWith: +)
    }

    /// Records a failure of case `n` made from `input`.
    public mutating func fail(_ what: String, case n: Int, input: Mutator.Case) {
        failureCount += 1
        guard failures.count < 20 else { return }
        let ops = input.operations.map(\.rawValue).joined(separator: "+")
        failures.append(
            "case \(n) (entry \(input.base), \(ops.isEmpty ? "unmodified" : ops)): \(what); input: \(Self.show(input.bytes))"
        )
    }

    /// Bytes as readable text: controls escaped, invalid UTF-8 as U+FFFD, long inputs cut.
    public static func show(_ bytes: [UInt8]) -> String {
        let text = TextCell.escapeControls(String(decoding: bytes, as: UTF8.self))
        return text.count > 400 ? String(text.prefix(400)) + "… (\(bytes.count) bytes)" : text
    }

    /// One line for the test log: outcome counts, most frequent first.
    public var summary: String {
        outcomes.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .map { "\($0.key) \($0.value)" }.joined(separator: ", ")
    }
}
