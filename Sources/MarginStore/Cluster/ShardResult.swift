import MarginCore

/// One account's figures as a shard publishes them: what the merged view ranks and shows.
public struct ShardResult: Sendable {
    public var accountId: String
    /// The displayed state (after hysteresis).
    public var state: AccountState
    /// Whether the account's own figures make it liquidatable now (the first rule of the
    /// priority order, before hysteresis).
    public var liquidatable: Bool
    /// `+inf` where infinite.
    public var marginRatio: Double
    public var maintenanceMargin: Double
    public var equity: Double
    public var adjustedEquity: Double
    /// Distance to liquidation where known (`nil`: not analysed, or no move in range liquidates).
    public var distance: Double?
    public var stale: Bool

    public init(
        accountId: String, state: AccountState, liquidatable: Bool, marginRatio: Double, maintenanceMargin: Double,
        equity: Double, adjustedEquity: Double, distance: Double?, stale: Bool
    ) {
        self.accountId = accountId
        self.state = state
        self.liquidatable = liquidatable
        self.marginRatio = marginRatio
        self.maintenanceMargin = maintenanceMargin
        self.equity = equity
        self.adjustedEquity = adjustedEquity
        self.distance = distance
        self.stale = stale
    }

    /// Whether every figure is the same to the bit (a row to publish again otherwise).
    public func same(as o: ShardResult) -> Bool {
        accountId == o.accountId && state == o.state && liquidatable == o.liquidatable && stale == o.stale
            && marginRatio.bitPattern == o.marginRatio.bitPattern
            && maintenanceMargin.bitPattern == o.maintenanceMargin.bitPattern
            && equity.bitPattern == o.equity.bitPattern && adjustedEquity.bitPattern == o.adjustedEquity.bitPattern
            && distance?.bitPattern == o.distance?.bitPattern
    }

    /// The liquidation-priority order of an unsharded snapshot (``BookResults/priorityOrder``):
    /// liquidatable first, then margin ratio descending (infinite first; -0 as +0), then
    /// maintenance margin descending, then id ascending.
    public static func precedes(_ a: ShardResult, _ b: ShardResult) -> Bool {
        if a.liquidatable != b.liquidatable { return a.liquidatable }
        let ka = ~(a.marginRatio + 0.0).bitPattern & 0x7FFF_FFFF_FFFF_FFFF
        let kb = ~(b.marginRatio + 0.0).bitPattern & 0x7FFF_FFFF_FFFF_FFFF
        if ka != kb { return ka < kb }
        if a.maintenanceMargin != b.maintenanceMargin { return a.maintenanceMargin > b.maintenanceMargin }
        return a.accountId < b.accountId
    }
}

/// A shard's heartbeat row: who it is, when it last published, how its feed is, and its counts.
public struct ShardHeartbeat: Sendable {
    public var shard: ShardSpec
    public var host: String
    public var pid: Int64
    /// Milliseconds since the epoch (wall clock).
    public var startedMs: Int64
    public var lastPublishMs: Int64
    public var publishes: Int64
    /// The feed's status text (`live`, `reconnecting ...`, `finished`).
    public var feed: String
    public var feedFinished: Bool
    public var store: String
    /// Exchange time of the newest price the results rest on (milliseconds), `nil` before the first.
    public var lastExchangeMs: Int64?
    public var accounts: Int64
    /// Accounts per displayed state.
    public var counts: [AccountState: Int64]
    public var shortfall: Double
    public var insuranceFund: Double
    public var staleAccounts: Int64
    public var nearLiquidation: Int64
    public var rejected: Int64
    /// Result rows the previous publish wrote, and what it took (milliseconds, wall clock).
    public var publishRows: Int64
    public var publishMillis: Double

    public init(shard: ShardSpec, host: String, pid: Int64, startedMs: Int64) {
        self.shard = shard
        self.host = host
        self.pid = pid
        self.startedMs = startedMs
        lastPublishMs = startedMs
        publishes = 0
        feed = "connecting"
        feedFinished = false
        store = "connected"
        lastExchangeMs = nil
        accounts = 0
        counts = [:]
        shortfall = 0
        insuranceFund = 0
        staleAccounts = 0
        nearLiquidation = 0
        rejected = 0
        publishRows = 0
        publishMillis = 0
    }

    /// The states with a column of their own in `cluster_shards`.
    public static let countedStates = AccountState.allCases
}

/// One publish of a shard: its changed rows, the ids it no longer holds, and its heartbeat.
public struct ShardPublication: Sendable {
    public var heartbeat: ShardHeartbeat
    /// Rows changed since the previous publish (every row when `replaceAll`).
    public var upserts: [ShardResult]
    /// Accounts of this shard's earlier publishes that it no longer holds.
    public var removed: [String]
    /// The shard's rows are replaced by `upserts` (the first publish, or after a failed one).
    public var replaceAll: Bool

    public init(heartbeat: ShardHeartbeat, upserts: [ShardResult], removed: [String], replaceAll: Bool) {
        self.heartbeat = heartbeat
        self.upserts = upserts
        self.removed = removed
        self.replaceAll = replaceAll
    }
}
