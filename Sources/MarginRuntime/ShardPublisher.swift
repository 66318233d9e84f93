import Foundation
import MarginCore
import MarginLive
import MarginStore

/// Publishes a shard watcher's results into the store (`watch --shard K/N`): at most once per
/// `interval` of wall time, and once more when the feed ends, each in one transaction with a
/// `NOTIFY` (``PostgresStore/publish(_:)``). A publish writes only the result rows that changed
/// since the one before (every row the first time, and after a failed publish; beyond the
/// shard's ``exactTop`` accounts by priority, only those that moved materially), the ids the
/// shard no longer holds, and the heartbeat with the counts.
public actor ShardPublisher {
    public let store: PostgresStore
    public let shard: ShardSpec
    public let interval: Double
    let clock: any MarginClock
    private var heartbeat: ShardHeartbeat
    /// What the store holds of this shard, as of the last publish that committed.
    private var published: [String: ShardResult] = [:]
    private var replaceAll = true
    private var lastAt = -Double.infinity

    public init(store: PostgresStore, shard: ShardSpec, interval: Double = 1, clock: any MarginClock = SystemClock()) {
        self.store = store
        self.shard = shard
        self.interval = interval
        self.clock = clock
        heartbeat = ShardHeartbeat(
            shard: shard, host: ProcessInfo.processInfo.hostName, pid: Int64(ProcessInfo.processInfo.processIdentifier),
            startedMs: Int64((clock.now * 1000).rounded()))
    }

    /// Each shard's first this many accounts by priority are published whenever a figure changes
    /// at all, so the merged view's top accounts (up to this many) rank exactly as an unsharded
    /// snapshot's; the others when they move (``moved(_:_:)``), and every row when the feed ends.
    public static let exactTop = 1_000
    /// A relative change in a figure that republishes an account beyond the exact top (1%), and
    /// the change in distance to liquidation (0.1% of a market move).
    public static let materialChange = 0.01
    public static let materialDistance = 0.001

    /// Whether an account beyond the exact top has moved enough since `old` was published: its
    /// state, liquidatable or stale flag, whether its distance is known, or a figure by more than
    /// ``materialChange`` (distance: ``materialDistance``).
    public static func moved(_ old: ShardResult, _ new: ShardResult) -> Bool {
        func far(_ a: Double, _ b: Double) -> Bool {
            guard a.bitPattern != b.bitPattern else { return false }
            guard a.isFinite, b.isFinite else { return true }
            return abs(a - b) > materialChange * max(abs(a), abs(b))
        }
        if old.state != new.state || old.liquidatable != new.liquidatable || old.stale != new.stale { return true }
        if far(old.marginRatio, new.marginRatio) || far(old.maintenanceMargin, new.maintenanceMargin) { return true }
        if far(old.equity, new.equity) || far(old.adjustedEquity, new.adjustedEquity) { return true }
        switch (old.distance, new.distance) {
        case (nil, nil): return false
        case (let a?, let b?): return abs(a - b) > materialDistance
        default: return true
        }
    }

    /// `watch --shard`'s help.
    public static let optionHelp =
        "Own shard K of N of a PostgreSQL store's accounts (FNV-1a 64 of the id, mod N) and publish its results into the store once a second (see snapshot --cluster)."

    /// Whether `interval` has passed since the last publish (by the wall clock).
    public func due() -> Bool { clock.now - lastAt >= interval }

    /// The per-account results of a snapshot, in account order.
    public static func results(_ s: LiveSnapshot) -> [ShardResult] {
        let t = s.accounts
        let d = s.book.defaults
        return (0..<t.count).map { a in
            // The priority order's first rule is the state before hysteresis.
            let raw = Health.state(
                equity: t.equity[a], adjustedEquity: t.adjustedEquity[a], maintenanceMargin: t.maintenanceMargin[a],
                warn: d.warn, danger: d.danger)
            let dist = t.distance[a]
            return ShardResult(
                accountId: t.ids[a], state: t.state[a], liquidatable: raw.isLiquidatable, marginRatio: t.marginRatio[a],
                maintenanceMargin: t.maintenanceMargin[a], equity: t.equity[a], adjustedEquity: t.adjustedEquity[a],
                distance: dist.isNaN ? nil : dist, stale: t.stale[a])
        }
    }

    /// Publishes `s`; the error's text when the store refused (the next publish then sends every row).
    public func publish(
        _ s: LiveSnapshot, near: Double, rejected: Int, exchangeTime: Double?, finished: Bool
    ) async -> String? {
        let start = clock.now
        lastAt = start
        let rows = ShardPublisher.results(s)
        // The shard's first `exactTop` by priority go to the bit; the others when they move.
        var exact = [Bool](repeating: finished, count: rows.count)
        for a in s.priority.prefix(ShardPublisher.exactTop) { exact[a] = true }
        var current: [String: ShardResult] = [:]
        current.reserveCapacity(rows.count)
        var upserts: [ShardResult] = []
        for (a, r) in rows.enumerated() {
            let old = replaceAll ? nil : published[r.accountId]
            if let old, exact[a] ? old.same(as: r) : !ShardPublisher.moved(old, r) {
                current[r.accountId] = old
            } else {
                current[r.accountId] = r
                upserts.append(r)
            }
        }
        let removed = replaceAll ? [] : published.keys.filter { current[$0] == nil }
        var hb = heartbeat
        hb.lastPublishMs = Int64((start * 1000).rounded())
        hb.publishes += 1
        hb.feed = finished ? "finished" : s.health.feedStatus
        hb.feedFinished = finished
        hb.store = s.health.storeStatus
        if let t = exchangeTime ?? s.health.lastTickTime { hb.lastExchangeMs = Int64((t * 1000).rounded()) }
        hb.accounts = Int64(s.accounts.count)
        hb.counts = Dictionary(uniqueKeysWithValues: AccountState.allCases.map { ($0, Int64(s.counts[$0] ?? 0)) })
        hb.shortfall = s.shortfall
        hb.insuranceFund = s.insuranceFund
        hb.staleAccounts = Int64(s.accounts.stale.filter { $0 }.count)
        hb.nearLiquidation = Int64(s.accounts.distance.filter { abs($0) <= near }.count)
        hb.rejected = Int64(rejected)
        do {
            try await store.publish(
                ShardPublication(heartbeat: hb, upserts: upserts, removed: removed, replaceAll: replaceAll))
        } catch {
            replaceAll = true
            return "\(error)"
        }
        published = current
        replaceAll = false
        // The next heartbeat carries this publish's cost.
        hb.publishRows = Int64(upserts.count + removed.count)
        hb.publishMillis = (clock.now - start) * 1000
        heartbeat = hb
        return nil
    }
}
