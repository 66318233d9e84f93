import MarginCore
import PostgresNIO

/// Shards publishing their results (`watch --shard K/N`) and the merged view of them.
extension PostgresStore {
    /// The result rows bound per upsert statement.
    static let publishBatchRows = 20_000

    static let heartbeatColumns = [
        "shard_count", "shard", "host", "pid", "started_ms", "last_publish_ms", "publishes", "feed", "feed_finished",
        "store", "last_exchange_ms", "accounts",
    ]
    static let heartbeatFigures = [
        "shortfall", "insurance_fund", "stale_accounts", "near_liquidation", "rejected", "publish_rows", "publish_ms",
    ]
    static var heartbeatList: String {
        (heartbeatColumns + ShardHeartbeat.countedStates.map(\.name) + heartbeatFigures).joined(separator: ", ")
    }

    /// Writes one publish of a shard in one transaction: its removed and changed result rows, its
    /// heartbeat, then a `NOTIFY margintop_cluster` with payload `K/N` (delivered at commit).
    public func publish(_ p: ShardPublication) async throws(StoreError) {
        let hb = p.heartbeat
        let n = Int64(hb.shard.count)
        let k = Int64(hb.shard.index)
        try await transaction { s in
            let conn = s.conn
            let log = s.logger
            if p.replaceAll {
                try await conn.query(
                    "DELETE FROM cluster_results WHERE shard_count = \(n) AND shard = \(k)", logger: log)
            }
            if !p.removed.isEmpty {
                let keys = p.removed.map(ShardSpec.key(of:))
                let ids = p.removed
                try await conn.query(
                    """
                    DELETE FROM cluster_results WHERE shard_count = \(n) AND (shard_key, account_id) IN \
                    (SELECT * FROM unnest(\(keys)::bigint[], \(ids)::text[]))
                    """, logger: log)
            }
            var start = 0
            while start < p.upserts.count {
                let end = min(start + PostgresStore.publishBatchRows, p.upserts.count)
                try await PostgresStore.upsert(p.upserts[start..<end], n: n, k: k, at: hb.lastPublishMs, conn, log)
                start = end
            }
            try await PostgresStore.writeHeartbeat(hb, conn, log)
            let payload = hb.shard.description
            try await conn.query("SELECT pg_notify(\(PostgresSchema.clusterChannel), \(payload))", logger: log)
        }
    }

    private static func upsert(
        _ rows: ArraySlice<ShardResult>, n: Int64, k: Int64, at ms: Int64, _ conn: PostgresConnection,
        _ log: Logger
    ) async throws {
        let keys = rows.map { ShardSpec.key(of: $0.accountId) }
        let ids = rows.map(\.accountId)
        let states = rows.map(\.state.name)
        let liquidatable = rows.map(\.liquidatable)
        let ratio = rows.map(\.marginRatio)
        let mm = rows.map(\.maintenanceMargin)
        let equity = rows.map(\.equity)
        let ae = rows.map(\.adjustedEquity)
        let distance = rows.map { $0.distance ?? .nan }
        let stale = rows.map(\.stale)
        try await conn.query(
            """
            INSERT INTO cluster_results (shard_count, shard, shard_key, account_id, state, liquidatable, margin_ratio, \
            maintenance_margin, equity, adjusted_equity, distance, stale, result_ms) \
            SELECT \(n), \(k), u.key, u.id, u.state, u.liq, u.ratio, u.mm, u.eq, u.ae, NULLIF(u.dist, 'NaN'::float8), \
            u.stale, \(ms) FROM unnest(\(keys)::bigint[], \(ids)::text[], \(states)::text[], \(liquidatable)::bool[], \
            \(ratio)::float8[], \(mm)::float8[], \(equity)::float8[], \(ae)::float8[], \(distance)::float8[], \
            \(stale)::bool[]) AS u(key, id, state, liq, ratio, mm, eq, ae, dist, stale) \
            ON CONFLICT (shard_key, shard_count, account_id) DO UPDATE SET shard = EXCLUDED.shard, \
            state = EXCLUDED.state, liquidatable = EXCLUDED.liquidatable, margin_ratio = EXCLUDED.margin_ratio, \
            maintenance_margin = EXCLUDED.maintenance_margin, equity = EXCLUDED.equity, \
            adjusted_equity = EXCLUDED.adjusted_equity, distance = EXCLUDED.distance, stale = EXCLUDED.stale, \
            result_ms = EXCLUDED.result_ms
            """, logger: log)
    }

    private static func writeHeartbeat(_ hb: ShardHeartbeat, _ conn: PostgresConnection, _ log: Logger) async throws {
        var b = PostgresBindings()
        b.append(Int64(hb.shard.count))
        b.append(Int64(hb.shard.index))
        b.append(hb.host)
        b.append(hb.pid)
        b.append(hb.startedMs)
        b.append(hb.publishes)
        b.append(hb.feed)
        b.append(hb.feedFinished)
        b.append(hb.store)
        b.append(hb.lastExchangeMs)
        b.append(hb.accounts)
        for st in ShardHeartbeat.countedStates { b.append(hb.counts[st] ?? 0) }
        b.append(hb.shortfall)
        b.append(hb.insuranceFund)
        b.append(hb.staleAccounts)
        b.append(hb.nearLiquidation)
        b.append(hb.rejected)
        b.append(hb.publishRows)
        b.append(hb.publishMillis)
        let columns = heartbeatColumns + ShardHeartbeat.countedStates.map(\.name) + heartbeatFigures
        // The last publish is stamped with the server's clock, not the watcher's: every reader ages
        // every shard by one clock, whatever machine each runs on.
        var next = 0
        let params = columns.map { c -> String in
            if c == "last_publish_ms" { return "(extract(epoch FROM clock_timestamp()) * 1000)::bigint" }
            next += 1
            return "$\(next)"
        }.joined(separator: ", ")
        let updates = columns.dropFirst(2).map { "\($0) = EXCLUDED.\($0)" }.joined(separator: ", ")
        let sql =
            "INSERT INTO cluster_shards (\(heartbeatList)) VALUES (\(params)) "
            + "ON CONFLICT (shard_count, shard) DO UPDATE SET \(updates)"
        try await conn.query(PostgresQuery(unsafeSQL: sql, binds: b), logger: log)
    }

    /// The merged view of the shards of `shardCount` (`nil`: the count whose shard published
    /// last), with the `top` accounts by liquidation priority, on one snapshot of the store.
    /// A shard is dead after `deadAfter` seconds without a publish, unless its feed finished; ages
    /// are by the server's clock (``publish(_:)`` stamps the heartbeat with it).
    public func clusterView(shardCount: Int?, top: Int, deadAfter: Double = ClusterView.defaultDeadAfter)
        async throws(StoreError) -> ClusterView
    {
        return try await snapshot { s in
            let conn = s.conn
            let log = s.logger
            // The server's clock, the one the heartbeats were stamped with.
            var now = clock.now
            for try await t in try await conn.query(
                "SELECT extract(epoch FROM clock_timestamp())::float8", logger: log
            ).decode(Double.self) { now = t }
            var beats: [ShardHeartbeat] = []
            let q = PostgresQuery(unsafeSQL: "SELECT \(PostgresStore.heartbeatList) FROM cluster_shards")
            for try await row in try await conn.query(q, logger: log) { beats.append(try PostgresStore.heartbeat(row)) }
            guard let n = shardCount ?? beats.max(by: { $0.lastPublishMs < $1.lastPublishMs })?.shard.count else {
                throw StoreError.database(
                    "no shard has published into this store yet: start `margintop watch --headless --shard K/N`")
            }
            let mine = Dictionary(
                beats.filter { $0.shard.count == n }.map { ($0.shard.index, $0) }, uniquingKeysWith: { a, _ in a })
            let shards = (0..<n).map { k -> ClusterView.Shard in
                guard let hb = mine[k] else { return ClusterView.Shard(index: k, heartbeat: nil, health: .missing) }
                let age = max(0, now - Double(hb.lastPublishMs) / 1000)
                let health: ClusterView.Shard.Health = hb.feedFinished ? .finished : age > deadAfter ? .dead : .live
                return ClusterView.Shard(index: k, heartbeat: hb, health: health, age: age)
            }
            var accounts: [ClusterView.Account] = []
            let limit = Int64(max(0, top) + 64)
            let n64 = Int64(n)
            for try await row in try await conn.query(
                """
                SELECT \(unescaped: PostgresStore.clusterResultList) FROM cluster_results \
                WHERE shard_count = \(n64) \
                ORDER BY liquidatable DESC, margin_ratio DESC, maintenance_margin DESC, account_id COLLATE "C" \
                LIMIT \(limit)
                """, logger: log)
            {
                accounts.append(try PostgresStore.clusterAccount(row))
            }
            accounts.sort { ShardResult.precedes($0.result, $1.result) }
            let others = Set(beats.map(\.shard.count)).subtracting([n]).sorted()
            return ClusterView(
                shardCount: n, time: now, deadAfter: deadAfter, shards: shards, top: Array(accounts.prefix(top)),
                otherShardCounts: others)
        }
    }

    /// One account's row in the merged view of the shards of `shardCount`, by id (the row's key:
    /// one index probe), or `nil` when no shard of that count has published it.
    public func clusterAccount(id: String, shardCount: Int) async throws(StoreError) -> ClusterView.Account? {
        try await snapshot { s in
            let key = ShardSpec.key(of: id)
            let n = Int64(shardCount)
            var found: ClusterView.Account?
            for try await row in try await s.conn.query(
                """
                SELECT \(unescaped: PostgresStore.clusterResultList) FROM cluster_results \
                WHERE shard_key = \(key) AND shard_count = \(n) AND account_id = \(id)
                """, logger: s.logger)
            {
                found = try PostgresStore.clusterAccount(row)
            }
            return found
        }
    }

    static let clusterResultList =
        "account_id, shard, state, liquidatable, margin_ratio, maintenance_margin, equity, adjusted_equity, "
        + "distance, stale, result_ms"

    /// A ``clusterResultList`` row.
    static func clusterAccount(_ row: PostgresRow) throws -> ClusterView.Account {
        let (id, shard, state, liq, ratio, mm, eq, ae, dist, stale, ms) = try row.decode(
            (String, Int64, String, Bool, Double, Double, Double, Double, Double?, Bool, Int64).self)
        let r = ShardResult(
            accountId: id, state: AccountState.allCases.first { $0.name == state } ?? .error, liquidatable: liq,
            marginRatio: ratio, maintenanceMargin: mm, equity: eq, adjustedEquity: ae, distance: dist, stale: stale)
        return ClusterView.Account(result: r, shard: Int(shard), resultMs: ms)
    }

    static func heartbeat(_ row: PostgresRow) throws -> ShardHeartbeat {
        let r = row.makeRandomAccess()
        var i = 0
        func next<T: PostgresDecodable>(_ t: T.Type) throws -> T {
            defer { i += 1 }
            return try r[i].decode(T.self)
        }
        let n = try next(Int64.self)
        let k = try next(Int64.self)
        let spec: ShardSpec
        do { spec = try ShardSpec(index: Int(k), count: Int(n)) } catch {
            throw StoreError.database("cluster_shards holds shard \(k)/\(n), which is not one")
        }
        var hb = ShardHeartbeat(shard: spec, host: try next(String.self), pid: try next(Int64.self), startedMs: 0)
        hb.startedMs = try next(Int64.self)
        hb.lastPublishMs = try next(Int64.self)
        hb.publishes = try next(Int64.self)
        hb.feed = try next(String.self)
        hb.feedFinished = try next(Bool.self)
        hb.store = try next(String.self)
        hb.lastExchangeMs = try next(Int64?.self)
        hb.accounts = try next(Int64.self)
        for st in ShardHeartbeat.countedStates { hb.counts[st] = try next(Int64.self) }
        hb.shortfall = try next(Double.self)
        hb.insuranceFund = try next(Double.self)
        hb.staleAccounts = try next(Int64.self)
        hb.nearLiquidation = try next(Int64.self)
        hb.rejected = try next(Int64.self)
        hb.publishRows = try next(Int64.self)
        hb.publishMillis = try next(Double.self)
        return hb
    }
}

extension PostgresStore {
    /// The payloads (`K/N`) of `NOTIFY margintop_cluster`, one per shard publish committed from now
    /// on, on a connection of its own (reconnected a second after a loss; publishes meanwhile are
    /// not replayed). Ends when the stream's consumer goes away.
    public func clusterNotifications() async -> AsyncStream<String> {
        let configuration = self.configuration
        let logger = self.logger
        let (stream, continuation) = AsyncStream<String>.makeStream()
        let (ready, listening) = AsyncStream<Void>.makeStream()
        let task = Task {
            while !Task.isCancelled {
                do {
                    let conn = try await PostgresConnection.connect(
                        configuration: configuration, id: 0, logger: logger)
                    try await withThrowingTaskGroup(of: Void.self) { group in
                        group.addTask {
                            // A LISTEN ends only with its connection: close it when cancelled.
                            do { while !conn.isClosed { try await Task.sleep(for: .milliseconds(100)) } } catch {
                                try? await conn.close()
                            }
                        }
                        group.addTask {
                            try await conn.listen(on: PostgresSchema.clusterChannel) { notifications in
                                listening.yield()
                                for try await n in notifications { continuation.yield(n.payload) }
                            }
                        }
                        defer { group.cancelAll() }
                        try await group.next()
                    }
                    try? await conn.close()
                } catch {}
                listening.yield()
                try? await Task.sleep(for: .seconds(1))
            }
            continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        // Returns once the first LISTEN is in place (or failed), so a publish after this is seen.
        for await _ in ready { break }
        return stream
    }
}
