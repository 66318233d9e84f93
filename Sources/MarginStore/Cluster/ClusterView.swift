import MarginCore

/// The merged view of a store's shards (`snapshot --cluster`, `margintop --cluster`): counts summed
/// over the shards of one `N`, the top accounts by liquidation priority across them, and each
/// shard's age and health.
public struct ClusterView: Sendable {
    /// One shard `K` of `N` as the view found it.
    public struct Shard: Sendable {
        public enum Health: String, Sendable {
            /// Published within the dead threshold.
            case live
            /// Its feed ended (a replay played out) and it published its last results.
            case finished
            /// No publish for longer than the threshold (killed, hung, or cut off from the store).
            case dead
            /// No heartbeat row at all for this `K`.
            case missing
        }
        public var index: Int
        public var heartbeat: ShardHeartbeat?
        public var health: Health
        /// Now minus its last publish, seconds (`nil` when missing).
        public var age: Double?

        public init(index: Int, heartbeat: ShardHeartbeat?, health: Health, age: Double? = nil) {
            self.index = index
            self.heartbeat = heartbeat
            self.health = health
            self.age = age
        }
    }

    /// One account of the top list, with the shard that published it.
    public struct Account: Sendable {
        public var result: ShardResult
        public var shard: Int
        /// When the shard computed it (milliseconds since the epoch).
        public var resultMs: Int64

        public init(result: ShardResult, shard: Int, resultMs: Int64) {
            self.result = result
            self.shard = shard
            self.resultMs = resultMs
        }
    }

    public var shardCount: Int
    /// When the view was read (seconds since the epoch).
    public var time: Double
    /// A shard is dead after this many seconds without a publish.
    public var deadAfter: Double
    public var shards: [Shard]
    public var top: [Account]
    /// The other shard counts with heartbeats in the store (a cluster being rebalanced, old runs).
    public var otherShardCounts: [Int]

    /// Sums over the shards with a heartbeat (a dead one's last figures included).
    public var accounts: Int64 { heartbeats.reduce(0) { $0 + $1.accounts } }
    public func count(_ state: AccountState) -> Int64 { heartbeats.reduce(0) { $0 + ($1.counts[state] ?? 0) } }
    public var shortfall: Double { heartbeats.reduce(0) { $0 + $1.shortfall } }
    /// The book's insurance fund (the same in every shard's book).
    public var insuranceFund: Double { heartbeats.map(\.insuranceFund).max() ?? 0 }
    public var socializedLoss: Double { max(0, shortfall - insuranceFund) }
    public var staleAccounts: Int64 { heartbeats.reduce(0) { $0 + $1.staleAccounts } }
    public var nearLiquidation: Int64 { heartbeats.reduce(0) { $0 + $1.nearLiquidation } }
    public var rejected: Int64 { heartbeats.reduce(0) { $0 + $1.rejected } }
    public var heartbeats: [ShardHeartbeat] { shards.compactMap(\.heartbeat) }

    public init(
        shardCount: Int, time: Double, deadAfter: Double, shards: [Shard], top: [Account], otherShardCounts: [Int]
    ) {
        self.shardCount = shardCount
        self.time = time
        self.deadAfter = deadAfter
        self.shards = shards
        self.top = top
        self.otherShardCounts = otherShardCounts
    }

    /// The default dead threshold, seconds.
    public static let defaultDeadAfter = 5.0
}
