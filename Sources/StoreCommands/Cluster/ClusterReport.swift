import MarginCore
import MarginStore

/// `snapshot --cluster`: the merged view of a store's shards as JSON (`margintop.cluster/1`) or a table.
public enum ClusterReport {
    /// Reads the merged view from the PostgreSQL store at `url` and renders it (`json` or `table`).
    public static func render(
        store url: String, shards: Int?, top: Int, deadAfter: Double, json: Bool
    ) async throws(StoreError) -> String {
        let store = try await openStore(url, access: .readOnly)
        defer { Task { await store.close() } }
        guard let pg = store as? PostgresStore else {
            throw StoreError.database("--cluster needs a PostgreSQL store (postgres://...): shards are PostgreSQL only")
        }
        let view = try await pg.clusterView(shardCount: shards, top: top, deadAfter: deadAfter)
        await store.close()
        return json ? JSONWriter().write(view.json()) + "\n" : view.table()
    }

    /// Why `--cluster` cannot be used with these options (a usage error), or `nil`.
    public static func usageError(
        _ store: String?, _ book: String?, _ shards: Int?, _ top: Int, _ deadAfter: Double, csv: Bool
    ) -> String? {
        let postgres: Bool
        if let store, case .postgres = try? StoreURL.parse(store) { postgres = true } else { postgres = false }
        guard book == nil, postgres else {
            return "--cluster needs --store postgres://...: shards are PostgreSQL only (not a book file or SQLite)"
        }
        guard top >= 0, top <= 100_000 else { return "--top must be in 0...100000" }
        if let shards, shards < 1 || shards > ShardSpec.maxCount {
            return "--shards must be in 1...\(ShardSpec.maxCount)"
        }
        if csv { return "--cluster prints --format json or table" }
        guard deadAfter > 0, deadAfter.isFinite else { return "--dead-after must be > 0 seconds" }
        return nil
    }
}

extension ClusterView {
    static func time(_ ms: Int64?) -> JSONValue { ms.map { .string(Timestamp.format(Double($0) / 1000)) } ?? .null }
    static func number(_ x: Double?) -> JSONValue { x.flatMap { $0.isFinite ? .number($0) : nil } ?? .null }

    /// The `margintop.cluster/1` document: the summed counts (the keys of the snapshot's
    /// `summary`), each shard's health, and the top accounts in liquidation-priority order.
    public func json() -> JSONValue {
        var summary: [(String, JSONValue)] = [("accounts", .integer(Int(accounts)))]
        for st in AccountState.allCases { summary.append((st.name, .integer(Int(count(st))))) }
        summary += [
            ("shortfall", .number(shortfall)), ("insuranceFund", .number(insuranceFund)),
            ("socializedLoss", .number(socializedLoss)), ("staleAccounts", .integer(Int(staleAccounts))),
            ("nearLiquidation", .integer(Int(nearLiquidation))), ("rejectedUpdates", .integer(Int(rejected))),
        ]
        let shardRows = shards.map { s -> JSONValue in
            var m: [(String, JSONValue)] = [
                ("shard", .string("\(s.index)/\(shardCount)")), ("health", .string(s.health.rawValue)),
                ("ageSeconds", ClusterView.number(s.age)),
            ]
            if let h = s.heartbeat {
                let lag = h.lastExchangeMs.map { Double(h.lastPublishMs - $0) / 1000 }
                m += [
                    ("host", .string(h.host)), ("pid", .integer(Int(h.pid))),
                    ("started", ClusterView.time(h.startedMs)), ("lastPublish", ClusterView.time(h.lastPublishMs)),
                    ("publishes", .integer(Int(h.publishes))), ("feed", .string(h.feed)), ("store", .string(h.store)),
                    ("lastExchangeTime", ClusterView.time(h.lastExchangeMs)),
                    ("publishLagSeconds", ClusterView.number(lag)), ("accounts", .integer(Int(h.accounts))),
                    ("publishRows", .integer(Int(h.publishRows))), ("publishMs", .number(h.publishMillis)),
                ]
            }
            return .object(m)
        }
        let rows = top.map { a -> JSONValue in
            let r = a.result
            return .object([
                ("id", .string(r.accountId)), ("shard", .integer(a.shard)), ("state", .string(r.state.name)),
                ("liquidatable", .bool(r.liquidatable)), ("marginRatio", ClusterView.number(r.marginRatio)),
                ("maintenanceMargin", .number(r.maintenanceMargin)), ("equity", .number(r.equity)),
                ("adjustedEquity", .number(r.adjustedEquity)),
                ("distanceToLiquidation", ClusterView.number(r.distance)), ("stale", .bool(r.stale)),
                ("resultTime", ClusterView.time(a.resultMs)),
            ])
        }
        return .object([
            ("format", .string("margintop.cluster/1")), ("time", .string(Timestamp.format(time))),
            ("shards", .integer(shardCount)), ("deadAfterSeconds", .number(deadAfter)),
            ("summary", .object(summary)), ("shardStatus", .array(shardRows)), ("accounts", .array(rows)),
            ("otherShardCounts", .array(otherShardCounts.map { .integer($0) })),
        ])
    }

}
