import MarginCore
import PostgresNIO

/// Reading the book, and replacing it by an import.
extension PostgresStore {
    func isEmpty() async throws(StoreError) -> Bool {
        try await withConnection { s in try await s.scalar("SELECT count(*) FROM market") == 0 }
    }

    public func loadBook() async throws(StoreError) -> Book { try await loadBook(shard: nil) }

    /// The market and the accounts of `shard` (``ShardSpec``; `nil`: every account), on one snapshot.
    public func loadBook(shard: ShardSpec?) async throws(StoreError) -> Book {
        try await transaction { s in
            // One snapshot for the market and every account.
            try await s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", [])
            // Locked before the snapshot is taken (LOCK takes none): an import in flight, which
            // truncates the account side, commits first and this reads its book whole.
            let tables = BookTables.deleteOrder.map(\.name).joined(separator: ", ")
            try await s.execute("LOCK TABLE \(tables) IN ACCESS SHARE MODE", [])
            // The chunked reads look costly to the planner, which would spend a second compiling
            // them (JIT) for nothing: they are index range scans.
            try await s.execute("SET LOCAL jit = off", [])
            let owned = shard.map { " WHERE shard_key % \($0.count) = \($0.index)" } ?? ""
            let count = Int(try await s.scalar("SELECT count(*) FROM accounts" + owned) ?? 0)
            guard count >= PostgresStore.parallelLoadAccounts else {
                var asm = try await s.loadMarket()
                var book = try asm.finish()
                book.accounts = try await PostgresCopy.loadAccounts(s, count: count, shard: shard).accounts
                return book
            }
            // Two cores: the accounts in two halves by key, the upper one on a second
            // connection that imports this transaction's snapshot (held, with the locks, until
            // both are read). The halves split at a chunk's first key: no chunk is in both.
            let snapshot = try await s.rows("SELECT pg_export_snapshot()", types: [.text]).first?[0].text ?? ""
            guard !snapshot.isEmpty, snapshot.allSatisfy({ $0.isHexDigit || $0 == "-" }) else {
                throw StoreError.database("unexpected snapshot id from the server")
            }
            let middle =
                try await s.scalar(
                    "SELECT pk FROM accounts\(owned) ORDER BY pk OFFSET \(count / 2) LIMIT 1") ?? 0
            let split = (middle >> PostgresCopy.chunkShift) << PostgresCopy.chunkShift
            let second = try await connect()
            do {
                try await second.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                try await second.query(
                    PostgresQuery(unsafeSQL: "SET TRANSACTION SNAPSHOT '\(snapshot)'"), logger: logger)
                try await second.query("SET LOCAL jit = off", logger: logger)
                let upperSession = PostgresSession(conn: second, logger: logger)
                async let upper = PostgresCopy.loadAccounts(
                    upperSession, count: count / 2 + 1, shard: shard, chunks: split..<Int64.max)
                var asm = try await s.loadMarket()
                var book = try asm.finish()
                var accounts = try await PostgresCopy.loadAccounts(
                    s, count: count, shard: shard, chunks: Int64.min..<split
                ).accounts
                accounts.append(contentsOf: try await upper.accounts)
                book.accounts = accounts
                _ = try? await second.query("COMMIT", logger: logger)
                try? await second.close()
                return book
            } catch {
                try? await second.close()
                throw error
            }
        }
    }

    public func loadMarket() async throws(StoreError) -> Book {
        try await withConnection { s in
            var asm = try await s.loadMarket()
            return try asm.finish()
        }
    }

    public func loadAccount(id: String) async throws(StoreError) -> Account? {
        try await withConnection { s in try await s.loadAccount(id: id) }
    }

    public func accountCount() async throws(StoreError) -> Int {
        try await withConnection { s in Int(try await s.scalar("SELECT count(*) FROM accounts") ?? 0) }
    }

    /// The import with its codec check run alongside the write, on another core: the write is
    /// mostly the server's work, the check the client's. The transaction commits only once the
    /// check has passed; a check that fails rolls it back, and the stored book stays as it was.
    func importChecked(_ book: Book, operator op: String) async throws(StoreError) -> ImportSummary {
        try await replaceBook(
            book, operator: op, alongside: { () throws(StoreError) in try AccountCheck.validate(book) })
    }

    /// The import without the codec check: tests use it to make the database fail midway.
    func importUnchecked(_ book: Book, operator op: String) async throws(StoreError) -> ImportSummary {
        try await replaceBook(book, operator: op, alongside: nil)
    }

    /// The import; `alongside` (if any) runs beside the write and must return before the commit.
    private func replaceBook(
        _ book: Book, operator op: String, alongside: (@Sendable () throws(StoreError) -> Void)?
    ) async throws(StoreError) -> ImportSummary {
        let now = Millis.now(clock)
        let check = alongside.map { body in Task.detached { try body() } }
        return try await transaction { s in
            try await s.execute("SET LOCAL margintop.suppress = 'on'", [])
            // Millions of rows: skip the per-row change-log triggers altogether (transactional DDL,
            // undone on rollback; one `reset` change is logged below instead).
            // Only the tables' owner may; an application role (which owns nothing) leaves them on,
            // and `margintop.suppress` keeps them quiet.
            let owner = try await PostgresStore.ownsTables(s)
            // The owner also sets the account side's foreign keys aside and adds them back after
            // the copy: one join validates each then, instead of a lookup per row (and the old
            // rows go without a cascade check per row). The keys are this book's by construction.
            var foreignKeys: [(String, String, String)] = []
            // The owner drops the account side's keys and indexes too and builds them after the
            // copy, each by one sort (a B-tree insert per row and index costs more); a duplicate
            // fails the build, and the import with it, as the insert would.
            var keys: (constraints: [(String, String, String)], indexes: [(String, String)]) = ([], [])
            if owner {
                for t in BookTables.accountSide {
                    try await s.execute("ALTER TABLE \(t.name) DISABLE TRIGGER USER", [])
                }
                foreignKeys = try await PostgresCopy.accountForeignKeys(s)
                for (table, name, _) in foreignKeys {
                    try await s.execute("ALTER TABLE \(table) DROP CONSTRAINT \"\(name)\"", [])
                }
                keys = try await PostgresCopy.accountIndexes(s)
                for (table, name, _) in keys.constraints {
                    try await s.execute("ALTER TABLE \(table) DROP CONSTRAINT \"\(name)\"", [])
                }
                for (name, _) in keys.indexes { try await s.execute("DROP INDEX \"\(name)\"", []) }
                // Memory for those sorts and for the keys' checks (this transaction only).
                try await s.execute("SET LOCAL maintenance_work_mem = '512MB'", [])
                try await s.execute("SET LOCAL work_mem = '256MB'", [])
            }
            if owner {
                // Without its keys' checks the account side empties at once, and the copy then
                // writes into fresh tables and indexes (no old row versions in the way). A
                // truncation is transactional but not MVCC-safe: ``loadBook()`` locks the tables
                // before its snapshot, so it reads the old book whole or waits for the new one.
                let tables = BookTables.accountSide.map(\.name).joined(separator: ", ")
                try await s.execute("TRUNCATE \(tables)", [])
            }
            for t in BookTables.deleteOrder { try await s.execute("DELETE FROM \(t.name)", []) }
            var writer = PostgresBulkWriter(conn: s.conn, logger: s.logger)
            try await writer.addMarket(book)
            try await writer.flush()
            for table in AccountTable.allCases {
                try await PostgresCopy.copy(table, of: book.accounts, freeze: owner, conn: s.conn, logger: s.logger)
            }
            if owner {
                for (table, name, definition) in keys.constraints {
                    try await s.execute("ALTER TABLE \(table) ADD CONSTRAINT \"\(name)\" \(definition)", [])
                }
                for (_, definition) in keys.indexes { try await s.execute(definition, []) }
                for (table, name, definition) in foreignKeys {
                    try await s.execute("ALTER TABLE \(table) ADD CONSTRAINT \"\(name)\" \(definition)", [])
                }
                for t in BookTables.accountSide { try await s.execute("ALTER TABLE \(t.name) ENABLE TRIGGER USER", []) }
                // The new rows' statistics now, in this transaction (the owner may): the first load's
                // plans rest on them, and autovacuum does not analyze millions of fresh rows beside
                // that load (seen at 1M: VACUUM ANALYZE of positions and accounts during it).
                for t in BookTables.accountSide { try await s.execute("ANALYZE \(t.name)", []) }
            }
            try await s.execute("SET LOCAL margintop.suppress = 'off'", [])
            try await s.execute("DELETE FROM change_log", [])
            try await s.execute("SELECT mt_log('reset', 'replaced', NULL)", [])
            let seq = try await s.audit(
                at: now, operator: op, action: AuditAction.importBook, payload: AuditPayload.importBook(book))
            // Before the commit: a book the codec refuses is never stored.
            try await check?.value
            return ImportSummary(
                accounts: book.accounts.count, assets: book.assets.count,
                instruments: book.instruments.count, auditSeq: seq)
        }
    }
}
