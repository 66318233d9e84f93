import Foundation
import MarginCore
import PostgresNIO
import StoreTestSupport
import Testing

@testable import MarginStore

/// The shard hash and `--shard K/N`: fixed values, so the distribution can never change silently.
@Suite("Shard hash")
struct ShardHashTests {
    /// FNV-1a 64's published test vectors (`""`, `"a"`, `"foobar"`), shifted right by one bit,
    /// and ids of the demo books.
    @Test("the key is FNV-1a 64 of the UTF-8 id, shifted right by one bit")
    func knownValues() {
        #expect(ShardSpec.key(of: "") == Int64(UInt64(0xcbf2_9ce4_8422_2325) >> 1))
        #expect(ShardSpec.key(of: "a") == Int64(UInt64(0xaf63_dc4c_8601_ec8c) >> 1))
        #expect(ShardSpec.key(of: "foobar") == Int64(UInt64(0x8594_4171_f739_67e8) >> 1))
        #expect(ShardSpec.key(of: "ACC-000001") == 6_490_200_855_647_958_813)
        #expect(ShardSpec.key(of: "ünï 😀") == 1_594_029_213_930_776_789)
        #expect(ShardSpec.shard(of: "ACC-000001", count: 3) == 0)
        #expect(ShardSpec.shard(of: "ACC-000002", count: 3) == 2)
        #expect(ShardSpec.shard(of: "ACC-000003", count: 3) == 2)
    }

    @Test("every id is owned by exactly one shard, and the shards are about even")
    func partition() throws {
        let ids = (0..<3000).map { "ACC-\($0)" }
        let specs = try (0..<3).map { try ShardSpec(index: $0, count: 3) }
        var sizes = [0, 0, 0]
        for id in ids {
            let owners = specs.filter { $0.owns(id) }
            #expect(owners.count == 1)
            sizes[owners[0].index] += 1
        }
        #expect(sizes.allSatisfy { $0 > 900 && $0 < 1100 }, "\(sizes)")
    }

    @Test(
        "K/N parsing refuses what is not one",
        arguments: ["", "1", "3/3", "-1/3", "0/0", "a/3", "1/3/4", " 0/3", "0/ 3", "0/3x", "+1/3", "0/5000", "0/"])
    func badSpecs(_ text: String) {
        #expect(throws: ShardSpecError.self) { try ShardSpec.parse(text) }
    }

    @Test("K/N parsing")
    func goodSpecs() throws {
        #expect(try ShardSpec.parse("0/1") == ShardSpec(index: 0, count: 1))
        #expect(try ShardSpec.parse("2/3").description == "2/3")
        #expect(try ShardSpec.parse("4095/4096").index == 4095)
        #expect(throws: ShardSpecError("K must be in 0..<3, not 3")) { try ShardSpec.parse("3/3") }
        #expect(throws: ShardSpecError("N must be in 1...4096, not 0")) { try ShardSpec.parse("0/0") }
    }
}

/// The distribution column and the shards' results on PostgreSQL.
@Suite("Shard store", .serialized, .timeLimit(.minutes(5)))
struct ShardStoreTests {
    static let ids = ["", "a", "foobar", "ACC-000001", "ünï 😀", "tab\there", String(repeating: "x", count: 300)]

    static func keys(_ store: PostgresStore) async throws -> [String: Int64] {
        try await store.withConnection { s in
            var out: [String: Int64] = [:]
            try await s.forEachRow("SELECT id, shard_key FROM accounts", [], types: [.text, .int]) { r in
                out[r[0].text ?? ""] = r[1].int
            }
            return out
        }
    }

    @Test("mt_shard_key in SQL is ShardSpec.key")
    func sqlHash() async throws {
        try await withFixture(.postgres) { f in
            let store = try #require(f.store as? PostgresStore)
            for id in Self.ids {
                let v = try await store.withConnection { s in try await s.scalar("SELECT mt_shard_key(?)", [.text(id)])
                }
                #expect(v == ShardSpec.key(of: id), "\(id)")
            }
        }
    }

    @Test("a v3 store upgrades: its accounts get their shard key, the change log stays quiet")
    func upgrade() async throws {
        let server = try TestPostgres.start()
        defer { server.destroy() }
        let url = server.url
        try await rawSQL(
            url, "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)")
        for sql in PostgresSchema.v1 + PostgresSchema.v2 + PostgresSchema.v3 { try await rawSQL(url, sql) }
        try await rawSQL(url, "INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0)")
        for (i, id) in Self.ids.enumerated() {
            try await rawSQL(url, "INSERT INTO accounts (pk, id) VALUES (?, ?)", [.int(Int64(i)), .text(id)])
        }
        try await rawSQL(url, "DELETE FROM change_log")
        let store = try await PostgresStore(
            target: PostgresTarget(user: "postgres", host: "127.0.0.1", port: server.port, database: server.database))
        let keys = try await Self.keys(store)
        #expect(keys == Dictionary(uniqueKeysWithValues: Self.ids.map { ($0, ShardSpec.key(of: $0)) }))
        let logged = try await store.withConnection { s in try await s.scalar("SELECT count(*) FROM change_log") }
        #expect(logged == 0)
        // NOT NULL from now on, and a rename recomputes it.
        try await rawSQL(url, "UPDATE accounts SET id = 'renamed' WHERE id = 'a'")
        #expect(try await Self.keys(store)["renamed"] == ShardSpec.key(of: "renamed"))
        await store.close()
    }

    @Test("import (binary COPY) and put write the shard key; a shard's load is its accounts, whole")
    func writesAndFilteredLoads() async throws {
        try await withFixture(.postgres) { f in
            let store = try #require(f.store as? PostgresStore)
            // Over the parallel-load threshold, then under it.
            for n in [PostgresStore.parallelLoadAccounts + 500, 40] {
                let book = DemoBook.generate(accounts: n, seed: 3)
                try await store.importBook(book, operator: "tester")
                var extra = book.accounts[0]
                extra.id = "PUT-ünï"
                try await store.putAccount(extra, operator: "tester")
                let keys = try await Self.keys(store)
                #expect(keys.count == n + 1)
                #expect(keys.allSatisfy { $0.value == ShardSpec.key(of: $0.key) })
                let all = try await store.loadBook()
                var seen = 0
                for k in 0..<3 {
                    let spec = try ShardSpec(index: k, count: 3)
                    let part = try await store.loadBook(shard: spec)
                    #expect(part.accounts.allSatisfy { spec.owns($0.id) })
                    #expect(part.accounts == all.accounts.filter { spec.owns($0.id) })
                    #expect(part.assets == all.assets && part.instruments == all.instruments)
                    seen += part.accounts.count
                }
                #expect(seen == n + 1)
            }
        }
    }

    static func result(_ id: String, ratio: Double, mm: Double, liquidatable: Bool = false) -> ShardResult {
        ShardResult(
            accountId: id, state: liquidatable ? .liquidatable : .safe, liquidatable: liquidatable, marginRatio: ratio,
            maintenanceMargin: mm, equity: 1, adjustedEquity: 1, distance: liquidatable ? 0 : nil, stale: false)
    }

    @Test("publishes merge: counts summed, the top accounts in priority order across shards, missing and dead shards")
    func publishAndMerge() async throws {
        try await withFixture(.postgres) { f in
            let store = try #require(f.store as? PostgresStore)
            try await store.importBook(smallBook(4), operator: "tester")
            // 40 accounts, ranked by hand: ids spread over two shards by their hash.
            var results: [ShardResult] = []
            for i in 0..<40 {
                results.append(
                    Self.result(
                        "A\(i)", ratio: i % 7 == 0 ? .infinity : Double(i % 5) / 10, mm: Double(i),
                        liquidatable: i % 9 == 0))
            }
            let now = Int64((Date().timeIntervalSince1970 * 1000).rounded())
            for k in 0..<2 {
                let spec = try ShardSpec(index: k, count: 2)
                var hb = ShardHeartbeat(shard: spec, host: "h", pid: 1, startedMs: now)
                hb.lastPublishMs = now
                hb.accounts = 20
                hb.counts = [.safe: 15, .liquidatable: 5]
                hb.shortfall = 10
                hb.insuranceFund = 15
                let mine = results.filter { spec.owns($0.accountId) }
                try await store.publish(
                    ShardPublication(heartbeat: hb, upserts: mine, removed: [], replaceAll: true))
            }
            var view = try await store.clusterView(shardCount: nil, top: 10)
            #expect(view.shardCount == 2)
            #expect(view.shards.map(\.health) == [.live, .live])
            #expect(view.accounts == 40 && view.count(.safe) == 30 && view.count(.liquidatable) == 10)
            #expect(view.shortfall == 20 && view.insuranceFund == 15 && view.socializedLoss == 5)
            let expected = results.sorted(by: ShardResult.precedes).prefix(10).map(\.accountId)
            #expect(view.top.map(\.result.accountId) == Array(expected))
            #expect(view.top.allSatisfy { ShardSpec.shard(of: $0.result.accountId, count: 2) == $0.shard })
            // A second publish of shard 0: one row changed to the top, one removed; an old heartbeat.
            let spec0 = try ShardSpec(index: 0, count: 2)
            let mine0 = results.filter { spec0.owns($0.accountId) }
            var changed = mine0[mine0.count - 1]
            changed.liquidatable = true
            changed.marginRatio = .infinity
            changed.maintenanceMargin = 1e9
            let hb = ShardHeartbeat(shard: spec0, host: "h", pid: 1, startedMs: now)
            try await store.publish(
                ShardPublication(heartbeat: hb, upserts: [changed], removed: [mine0[0].accountId], replaceAll: false))
            // Stamped by the server's clock, whatever the watcher's says; a minute ago here.
            let stamped = try await store.withConnection { s in
                try await s.scalar("SELECT last_publish_ms FROM cluster_shards WHERE shard_count = 2 AND shard = 0")
            }
            #expect(abs((stamped ?? 0) - Int64((Date().timeIntervalSince1970 * 1000).rounded())) < 60_000)
            try await store.withConnection { s in
                try await s.execute(
                    "UPDATE cluster_shards SET last_publish_ms = last_publish_ms - 60000 WHERE shard_count = 2 AND shard = 0",
                    [])
            }
            view = try await store.clusterView(shardCount: 2, top: 5)
            #expect(view.top.first?.result.accountId == changed.accountId)
            #expect(view.shards.map(\.health) == [.dead, .live])
            let ids = try await store.withConnection { s in
                try await s.rows("SELECT account_id FROM cluster_results WHERE shard_count = 2", types: [.text])
            }
            #expect(ids.count == 39 && !ids.contains([.text(mine0[0].accountId)]))
            // Shards of 3: none published.
            view = try await store.clusterView(shardCount: 3, top: 5)
            #expect(view.shards.map(\.health) == [.missing, .missing, .missing] && view.top.isEmpty)
            #expect(view.otherShardCounts == [2])
        }
    }

    @Test("each publish is a NOTIFY margintop_cluster with its K/N, seen by clusterNotifications")
    func notifications() async throws {
        try await withFixture(.postgres) { f in
            let store = try #require(f.store as? PostgresStore)
            try await store.importBook(smallBook(4), operator: "tester")
            let reader = try await PostgresStore(
                target: PostgresTarget(
                    user: "postgres", host: "127.0.0.1", port: f.server?.port ?? 0, database: "margintop"),
                readOnly: true)
            let payloads = await reader.clusterNotifications()
            let hb = ShardHeartbeat(shard: try ShardSpec(index: 1, count: 2), host: "h", pid: 1, startedMs: 0)
            try await store.publish(ShardPublication(heartbeat: hb, upserts: [], removed: [], replaceAll: true))
            let got = try await next(payloads, within: 20, "a cluster notification") { _ in true }
            #expect(got == "1/2")
            await reader.close()
        }
    }
}
