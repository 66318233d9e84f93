import Foundation
import GRDB
import MarginCore
import PostgresNIO
import StoreTestSupport
import Testing

@testable import MarginStore

/// Runs one statement with binds on a connection of its own, outside any store (PostgreSQL: as
/// `user`, default the URL's).
func rawSQL(_ url: StoreURL, _ sql: String, _ binds: [SQLValue] = [], user: String? = nil) async throws {
    switch url {
    case .sqlite(let path):
        let q = try DatabaseQueue(path: path)
        do {
            try await q.writeWithoutTransaction { db in
                try db.execute(sql: sql, arguments: SQLiteSession.arguments(binds))
            }
            try q.close()
        } catch {
            try? q.close()
            throw error
        }
    case .postgres(let t):
        let config = PostgresConnection.Configuration(
            host: t.host, port: t.port, username: user ?? t.user, password: nil, database: t.database, tls: .disable)
        let conn = try await PostgresConnection.connect(configuration: config, id: 98, logger: StoreFixture.logger)
        do {
            try await conn.query(
                PostgresQuery(unsafeSQL: SQLDialect.postgres.render(sql), binds: PostgresRowCodec.bind(binds)),
                logger: StoreFixture.logger)
            try await conn.close()
        } catch {
            try? await conn.close()
            throw error
        }
    }
}

/// The server's SQLSTATE and message of a PostgreSQL error.
func serverError(_ error: any Error) -> (state: String, message: String) {
    let info = (error as? PSQLError)?.serverInfo
    return (info?[.sqlState] ?? "", info?[.message] ?? String(describing: error))
}

/// A v2 store (before the chain) upgraded in place: its rows chained as found, in `seq` order.
@Suite("Audit trail upgrade", .serialized, .timeLimit(.minutes(3)))
struct AuditUpgradeTests {
    /// What a v2 store holds: an import, a review opened and acknowledged, with a gap in `seq`
    /// (a rolled-back PostgreSQL transaction leaves one) and text that tests the encoding.
    static let rows: [(seq: Int64, at: Int64, op: String, action: String, payload: String)] = [
        (1, 1_800_000_000_000, "tester", "import", #"{"asOf":"2026-11-24T12:00:00Z","accounts":0}"#),
        (
            2, 1_800_000_001_000, "ünï 😀", "review.open",
            AuditPayload.review(
                id: 1, account: "ACC-1", from: nil, to: .open, version: 1, note: hostile, metrics: nil)
        ),
        (
            5, 1_800_000_002_000, "bob", "review.ack",
            AuditPayload.review(
                id: 1, account: "ACC-1", from: .open, to: .acknowledged, version: 2, note: nil, metrics: nil)
        ),
    ]

    static func fillV2(_ url: StoreURL) async throws {
        for r in rows {
            try await rawSQL(
                url, "INSERT INTO audit_log (seq, at_ms, operator, action, payload) VALUES (?, ?, ?, ?, ?)",
                [.int(r.seq), .int(r.at), .text(r.op), .text(r.action), .text(r.payload)])
        }
        try await rawSQL(
            url,
            "INSERT INTO reviews (id, account_id, status, version, opened_by, opened_at_ms, updated_at_ms) "
                + "VALUES (1, 'ACC-1', 'acknowledged', 2, ?, ?, ?)",
            [.text(rows[1].op), .int(rows[1].at), .int(rows[2].at)])
        for (v, r, status, note) in [(1, rows[1], "open", SQLValue.text(hostile)), (2, rows[2], "acknowledged", .null)]
        {
            try await rawSQL(
                url,
                "INSERT INTO review_transitions (review_id, version, status, operator, at_ms, note) VALUES (1, ?, ?, ?, ?, ?)",
                [.int(Int64(v)), .text(status), .text(r.op), .int(r.at), note])
        }
    }

    /// The upgraded store: every old row chained as found, then new writes chained after them.
    static func checkUpgraded(_ url: StoreURL) async throws {
        let store = try await openStore(url, seedIfEmpty: false)
        do {
            let log = try await store.auditLog()
            #expect(log.map(\.seq) == [1, 2, 5])
            var prev = AuditChain.genesis
            for (e, r) in zip(log, rows) {
                #expect(e.operator == r.op && e.payload == r.payload)
                #expect(e.prevHash == prev)
                #expect(
                    e.hash
                        == AuditChain.hash(
                            prev: prev, seq: r.seq, at: r.at, operator: r.op, action: r.action, payload: r.payload))
                prev = e.hash
            }
            #expect(try await store.verifyAudit() == AuditReport(rows: 3, reviews: 1, head: prev, problems: []))
            let summary = try await store.importBook(smallBook(2), operator: "tester")
            #expect(summary.auditSeq == 6)
            let after = try await store.auditLog()
            #expect(after.last?.prevHash == prev)
            #expect(try await store.verifyAudit().intact)
            await store.close()
        } catch {
            await store.close()
            throw error
        }
    }

    @Test("a v2 SQLite store is upgraded to v3, its rows chained as found")
    func sqlite() async throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/v2.sqlite"
        let q = try DatabaseQueue(path: path)
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: SQLiteSchema.v1)
            for sql in SQLiteSchema.changeTriggers() { try db.execute(sql: sql) }
        }
        m.registerMigration("v2") { db in try db.execute(sql: SQLiteSchema.v2) }
        try m.migrate(q)
        try await q.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA user_version = 2") }
        try q.close()
        let url = StoreURL.sqlite(path: path)
        try await Self.fillV2(url)
        // Read-only, the old schema is refused as before (the file can be written: upgraded then).
        #expect(throws: StoreError.schemaOutdated(found: 2, known: 3)) {
            _ = try SQLiteStore(path: path, readOnly: true)
        }
        try await Self.checkUpgraded(url)
        let store = try SQLiteStore(path: path, readOnly: true)
        let version = try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
        #expect(version == 3)
        // The rebuilt table is still append-only.
        await #expect(throws: (any Error).self) { try await rawSQL(url, "UPDATE audit_log SET operator = 'x'") }
        await #expect(throws: (any Error).self) { try await rawSQL(url, "DELETE FROM audit_log") }
        await store.close()
    }

    @Test("a v2 PostgreSQL store is upgraded to v3 in SQL, with the hash the Swift verifier computes")
    func postgres() async throws {
        let server = try TestPostgres.start()
        defer { server.destroy() }
        let url = server.url
        try await rawSQL(
            url, "CREATE TABLE schema_migrations (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)")
        for sql in PostgresSchema.v1 + PostgresSchema.v2 { try await rawSQL(url, sql) }
        try await rawSQL(url, "INSERT INTO schema_migrations VALUES (1, 0), (2, 0)")
        try await Self.fillV2(url)
        try await Self.checkUpgraded(url)
        await #expect(throws: (any Error).self) { try await rawSQL(url, "UPDATE audit_log SET operator = 'x'") }
        // The SQL function is the Swift one.
        let r = Self.rows[1]
        let store = try await PostgresStore(
            target: PostgresTarget(user: "postgres", host: "127.0.0.1", port: server.port, database: server.database))
        let sqlHash = try await store.withConnection { s in
            try await s.rows(
                "SELECT mt_audit_hash(?, ?, ?, ?, ?, ?)",
                [.text(AuditChain.genesis), .int(r.seq), .int(r.at), .text(r.op), .text(r.action), .text(r.payload)],
                types: [.text])
        }
        await store.close()
        #expect(
            sqlHash.first?.first
                == .text(
                    AuditChain.hash(
                        prev: AuditChain.genesis, seq: r.seq, at: r.at, operator: r.op, action: r.action,
                        payload: r.payload)))
    }

    @Test("concurrent writers on PostgreSQL keep one chain")
    func concurrentWriters() async throws {
        try await withFixture(.postgres) { f in
            let book = smallBook(12)
            try await f.store.importBook(book, operator: "tester")
            var stores: [any AccountStore] = []
            for _ in 0..<4 { stores.append(try await f.openAnother()) }
            let writers = stores
            // Every writer's failures, collected (the stores are closed whatever happened).
            let failures = await withTaskGroup(of: [String].self) { group in
                for (k, store) in writers.enumerated() {
                    group.addTask {
                        do {
                            for j in 0..<3 {
                                let account = book.accounts[k + 4 * j]
                                let r = try await store.openReview(
                                    account: account.id, operator: "w\(k)", note: "n", prices: nil)
                                _ = try await store.acknowledgeReview(id: r.id, operator: "w\(k)")
                                _ = try await store.resolveReview(id: r.id, outcome: .dismissed, operator: "w\(k)")
                                try await store.putAccount(account, operator: "w\(k)")
                            }
                            return []
                        } catch {
                            return ["writer \(k): \(error)"]
                        }
                    }
                }
                return await group.reduce(into: []) { $0 += $1 }
            }
            for s in stores { await s.close() }
            #expect(failures.isEmpty, "\(failures)")
            let log = try await f.store.auditLog()
            let writes = 4 * 3 * 4
            #expect(log.count == 1 + writes)
            #expect(log.map(\.seq) == Array(1...Int64(log.count)))
            #expect(Set(log.map(\.prevHash)).count == log.count, "two rows link to the same one: the chain forked")
            let report = try await f.store.verifyAudit()
            #expect(report.problems == [])
            #expect(report.rows == log.count && report.reviews == 12 && report.head == log.last?.hash)
        }
    }
}
