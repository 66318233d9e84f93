import Foundation
import GRDB
import MarginCore
import PostgresNIO
import StoreTestSupport
import Testing

@testable import MarginStore

/// The bulk paths of issue 13: SQLite through one prepared statement per table and a columnar
/// load, PostgreSQL through binary `COPY` and a streaming binary load. All or nothing, both.
@Suite("Bulk import and load", .serialized, .timeLimit(.minutes(3)))
struct BulkImportTests {
    /// Every model, options, isolated buckets, venues, names with quotes and unicode, an account
    /// with no sub-account, a sub-account with no line, and an order that is not the ids' order.
    static func mixedBook() -> Book {
        var book = DemoBook.generate(accounts: 400, seed: 13)
        book.accounts[0].name = hostile
        book.accounts[1].name = ""
        book.accounts[2].name = nil
        book.accounts[3].id = "ünï 😀 'quoted' \"id\" \\ ;--"
        book.accounts[4].subaccounts = []
        book.accounts[5].subaccounts.append(SubAccount(id: "empty \(hostile)"))
        book.accounts[6].model = .es
        book.accounts[7].model = .portfolio
        book.accounts[8].model = nil
        book.accounts[9].subaccounts[0].collateral.append(CollateralLine(asset: "USDC", amount: 0.1 + 0.2))
        book.accounts.reverse()
        return book
    }

    @Test("a mixed book comes back from the bulk import equal, field for field", arguments: Backend.allCases)
    func mixedRoundTrip(_ backend: Backend) async throws {
        let book = Self.mixedBook()
        // The book holds what the test is about.
        let positions = book.accounts.flatMap { $0.subaccounts.flatMap(\.positions) }
        let options = Set(book.instruments.filter { $0.kind == .option }.map(\.name))
        #expect(Set(book.accounts.compactMap(\.model)) == Set(MarginModel.allCases))
        #expect(positions.contains { options.contains($0.instrument) })
        #expect(positions.contains { $0.isolatedCollateral != nil })
        #expect(book.accounts.flatMap { $0.subaccounts.flatMap(\.collateral) }.contains { $0.venue != nil })
        try await withFixture(backend) { f in
            // Twice: into an empty store, then over a stored book.
            try await f.store.importBook(smallBook(50), operator: "tester")
            try await f.store.importBook(book, operator: "tester")
            let loaded = try await f.store.loadBook()
            #expect(loaded == book)
            #expect(loaded.accounts.map(\.id) == book.accounts.map(\.id))
            #expect(try await f.store.loadAccount(id: book.accounts[396].id) == book.accounts[396])
            #expect(try await f.store.accountCount() == book.accounts.count)
            try await Self.expectSchemaWhole(f)
            // The change log is on again after the import: another connection's edit is seen.
            let changes = await f.store.changes()
            var edited = book.accounts[10]
            edited.name = "edited after the import"
            let other = try await f.openAnother()
            try await other.putAccount(edited)
            await other.close()
            let id = edited.id
            let seen = try await next(changes, within: 2.0, "change after a bulk import") {
                if case .accountChanged(let a) = $0 { return a.id == id } else { return false }
            }
            #expect(seen == .accountChanged(edited))

            // Past PostgresStore.parallelLoadAccounts the positions load on a second connection and
            // are attached to their sub-accounts (SQLite from 10,000 accounts: two halves by key,
            // one snapshot each).
            var big = DemoBook.generate(accounts: PostgresStore.parallelLoadAccounts + 500, seed: 21)
            big.accounts[7_000].subaccounts.append(SubAccount(id: "no lines"))
            big.accounts.swapAt(3, 9_000)
            try await f.store.importBook(big, operator: "tester")
            #expect(try await f.store.loadBook() == big)
        }
    }

    @Test("an import failing halfway through the bulk rows leaves the stored book", arguments: Backend.allCases)
    func failingHalfway(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(60)
            try await f.store.importBook(book, operator: "tester")
            let auditBefore = try await f.store.auditLog()

            // A duplicate id in the middle of 20,000 accounts: the database refuses it after
            // thousands of rows went in (several COPY batches on PostgreSQL).
            var duplicate = DemoBook.generate(accounts: 20_000, seed: 5)
            duplicate.accounts[12_000].id = duplicate.accounts[11].id
            await #expect(throws: StoreError.self) { try await Self.importUnchecked(duplicate, into: f) }
            #expect(try await f.store.loadBook() == book)
            #expect(try await f.store.auditLog() == auditBefore)
            try await Self.expectSchemaWhole(f)

            if backend == .postgres {
                // PostgreSQL text holds no NUL: the last table's COPY fails in its middle, after
                // the accounts, sub-accounts and collateral were copied whole.
                var nul = DemoBook.generate(accounts: 20_000, seed: 6)
                nul.accounts[15_000].subaccounts[0].positions.append(
                    Position(instrument: "BTC\u{0}PERP", quantity: 1, entryPrice: 1))
                await #expect(throws: StoreError.self) { try await Self.importUnchecked(nul, into: f) }
                #expect(try await f.store.loadBook() == book)
                #expect(try await f.store.auditLog() == auditBefore)
                try await Self.expectSchemaWhole(f)
            }
            // And the store still takes a good import.
            try await f.store.importBook(smallBook(70, seed: 8), operator: "tester")
            #expect(try await f.store.loadBook() == smallBook(70, seed: 8))
        }
    }

    @Test(
        "a book the codec check refuses is never stored (the check runs beside the write)",
        arguments: Backend.allCases)
    func refusedByTheCheck(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(30)
            try await f.store.importBook(book, operator: "tester")
            let auditBefore = try await f.store.auditLog()
            // The last account names an instrument the market lacks: the strict codec refuses it,
            // the tables have no key on the name and would take it.
            var bad = DemoBook.generate(accounts: 20_000, seed: 9)
            var sub = SubAccount(id: "refused")
            sub.positions = [Position(instrument: "NO-SUCH-PERP", quantity: 1, entryPrice: 1)]
            bad.accounts[19_999].subaccounts.append(sub)
            do {
                try await f.store.importBook(bad, operator: "tester")
                Issue.record("the import took a book the codec refuses")
            } catch let error as StoreError {
                guard case .invalidBook = error else {
                    Issue.record("not the codec's refusal: \(error)")
                    return
                }
            }
            #expect(try await f.store.loadBook() == book)
            #expect(try await f.store.auditLog() == auditBefore)
            try await Self.expectSchemaWhole(f)
            // Without the check the same book goes in: the check alone refused it.
            try await Self.importUnchecked(bad, into: f)
            #expect(try await f.store.accountCount() == bad.accounts.count)
        }
    }

    @Test("a PostgreSQL import whose connection is killed mid-COPY leaves the stored book")
    func connectionKilledMidCopy() async throws {
        try await withFixture(.postgres) { f in
            let book = smallBook(40)
            try await f.store.importBook(book, operator: "tester")
            let auditBefore = try await f.store.auditLog()
            let big = DemoBook.generate(accounts: 60_000, seed: 4)
            guard let store = f.store as? PostgresStore, let server = f.server else {
                Issue.record("not a PostgreSQL fixture")
                return
            }
            let importing = Task { try await store.importUnchecked(big, operator: "tester") }
            // Another connection finds the import's backend in COPY and terminates it.
            let killer = try await PostgresConnection.connect(
                configuration: .init(
                    host: "127.0.0.1", port: server.port, username: "postgres", password: nil,
                    database: server.database, tls: .disable),
                id: 77, logger: StoreFixture.logger)
            var killed = false
            for _ in 0..<3000 where !killed {
                let rows = try await killer.query(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE query LIKE 'COPY%' AND pid <> pg_backend_pid()",
                    logger: StoreFixture.logger
                ).collect()
                killed = !rows.isEmpty
                if !killed { try await Task.sleep(for: .milliseconds(5)) }
            }
            try await killer.close()
            #expect(killed, "never saw the import's COPY running")
            await #expect(throws: StoreError.self) { _ = try await importing.value }
            // The store reconnects on its next command and reads the book it held.
            #expect(try await f.store.loadBook() == book)
            #expect(try await f.store.auditLog() == auditBefore)
            try await Self.expectSchemaWhole(f)
        }
    }

    static func importUnchecked(_ book: Book, into f: StoreFixture) async throws {
        if let s = f.store as? SQLiteStore { _ = try await s.importUnchecked(book, operator: "tester") }
        if let s = f.store as? PostgresStore { _ = try await s.importUnchecked(book, operator: "tester") }
    }

    /// The account side's change-log triggers and foreign keys are all there (an import sets
    /// them aside inside its transaction).
    /// An owner's PostgreSQL import leaves the account side analyzed (in its own transaction),
    /// before autovacuum would get to it: the first load's plans have statistics to rest on.
    @Test func aPostgresImportAnalyzesTheAccountSide() async throws {
        try await withFixture(.postgres) { f in
            try await f.store.importBook(smallBook(60), operator: "tester")
            guard case .postgres(let t) = f.url else { return }
            let rows = try await Self.query(
                t,
                """
                SELECT count(DISTINCT tablename) FROM pg_stats WHERE schemaname = 'public'
                AND tablename IN ('accounts', 'subaccounts', 'collateral', 'positions')
                """)
            #expect(try rows[0].decode(Int64.self) == 4)
        }
    }

    /// The rows of `sql` on a connection of its own to the fixture's server, as its owner.
    static func query(_ t: PostgresTarget, _ sql: String) async throws -> [PostgresRow] {
        let conn = try await PostgresConnection.connect(
            configuration: .init(
                host: t.host, port: t.port, username: t.user, password: nil, database: t.database, tls: .disable),
            id: 78, logger: StoreFixture.logger)
        do {
            let rows = try await conn.query(PostgresQuery(unsafeSQL: sql), logger: StoreFixture.logger).collect()
            try await conn.close()
            return rows
        } catch {
            try? await conn.close()
            throw error
        }
    }

    static func expectSchemaWhole(_ f: StoreFixture) async throws {
        switch f.url {
        case .sqlite(let path):
            let q = try DatabaseQueue(path: path)
            let (triggers, keys) = try await q.read { db in
                (
                    try Int.fetchOne(
                        db,
                        sql: "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN "
                            + "('accounts', 'subaccounts', 'collateral', 'positions')") ?? 0,
                    try Int.fetchOne(
                        db,
                        sql: "SELECT (SELECT count(*) FROM pragma_foreign_key_list('subaccounts')) + "
                            + "(SELECT count(*) FROM pragma_foreign_key_list('collateral')) + "
                            + "(SELECT count(*) FROM pragma_foreign_key_list('positions'))") ?? 0
                )
            }
            try q.close()
            #expect(triggers == 12)
            // Composite keys list one row per column.
            #expect(keys == 5)
        case .postgres(let t):
            let rows = try await Self.query(
                t,
                """
                SELECT (SELECT count(*) FROM pg_constraint WHERE contype = 'f' AND convalidated
                        AND conrelid IN ('subaccounts'::regclass, 'collateral'::regclass, 'positions'::regclass)),
                       (SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal AND tgenabled = 'O'
                        AND tgrelid IN ('accounts'::regclass, 'subaccounts'::regclass, 'collateral'::regclass,
                                        'positions'::regclass)),
                       (SELECT count(*) FROM pg_index WHERE indisvalid AND indisready
                        AND indrelid IN ('accounts'::regclass, 'subaccounts'::regclass, 'collateral'::regclass,
                                         'positions'::regclass))
                """)
            let (keys, triggers, indexes) = try rows[0].decode((Int64, Int64, Int64).self)
            #expect(keys == 3)
            // Each table's primary key, accounts' unique id and its shard_key index (an owner's
            // import drops and builds them).
            #expect(indexes == 6)
            // The change log's four and, from schema v4, accounts_shard_key.
            #expect(triggers == 5)
        }
    }
}
