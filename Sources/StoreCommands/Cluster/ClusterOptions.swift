import ArgumentParser
import MarginStore

/// `snapshot --cluster` and its options.
public struct ClusterOptions: ParsableArguments, Sendable {
    @Flag(
        help:
            "The merged view of the store's shards (watch --shard K/N): summed counts, the top accounts, shard health.")
    public var cluster = false

    @Option(help: ArgumentHelp("With --cluster: shards of N (default: those that published last).", valueName: "N"))
    public var shards: Int?

    @Option(help: "With --cluster: the top accounts by liquidation priority.")
    public var top = 50

    @Option(name: .customLong("dead-after"), help: "With --cluster: seconds without a publish that make a shard dead.")
    public var deadAfter = DecimalArgument(ClusterView.defaultDeadAfter)

    public init() {}

    /// A usage error (exit 64) when `--cluster` is given with options it cannot take.
    public func check(store: String?, book: String?, csv: Bool) throws {
        guard cluster else { return }
        if let m = ClusterReport.usageError(store, book, shards, top, deadAfter.value, csv: csv) {
            throw ValidationError(m)
        }
    }

    /// The merged view's text, or `nil` without `--cluster`.
    public func render(store: String?, json: Bool) async throws(StoreCLIFailure) -> String? {
        guard cluster, let store else { return nil }
        do {
            return try await ClusterReport.render(
                store: store, shards: shards, top: top, deadAfter: deadAfter.value, json: json)
        } catch { throw StoreCLIFailure(message: "\(error)", code: 1) }
    }
}
