import GRDB
import GRDBSQLite
import MarginCore

/// Reading the book (one read access, one snapshot), and replacing it by an import.
extension SQLiteStore {
    func isEmpty() async throws(StoreError) -> Bool {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM market") == 0 }
    }

    static func scan(
        _ db: Database, _ t: TableSpec, where clause: String = "", _ args: StatementArguments = [],
        into asm: inout BookAssembler
    ) throws {
        let sql = "SELECT \(t.columnList) FROM \(t.name) \(clause) ORDER BY \(t.orderBy)"
        let rows = try Row.fetchCursor(db, sql: sql, arguments: args)
        let types = t.columns.map(\.type)
        while let row = try rows.next() { try asm.add(t, SQLiteSession.values(row, types)) }
    }

    static func loadMarket(_ db: Database) throws -> BookAssembler {
        var asm = BookAssembler()
        for t in BookTables.marketSide { try scan(db, t, into: &asm) }
        return asm
    }

    static func loadAccount(_ db: Database, id: String) throws -> Account? {
        guard let pk = try Int64.fetchOne(db, sql: "SELECT pk FROM accounts WHERE id = ?", arguments: [id]) else {
            return nil
        }
        var asm = BookAssembler()
        for t in BookTables.accountSide {
            try scan(db, t, where: "WHERE \(t.columns[0].name) = ?", [pk], into: &asm)
        }
        return asm.loadedAccounts.first
    }

    public func loadBook() async throws(StoreError) -> Book {
        // Two cores: the accounts in two halves by key, each on its own snapshot of the same state.
        if let (first, second) = try await twinSnapshots() {
            do {
                if let mid = try await first.read({ db in
                    try SQLiteStore.middleKey(db, from: SQLiteStore.parallelLoadAccounts)
                }) {
                    async let upper = second.read { db in try SQLiteStore.loadAccounts(db, keys: mid...Int64.max) }
                    var book = try await first.read { db in
                        var asm = try SQLiteStore.loadMarket(db)
                        var book = try asm.finish()
                        book.accounts = try SQLiteStore.loadAccounts(db, keys: Int64.min...(mid - 1))
                        return book
                    }
                    book.accounts.append(contentsOf: try await upper)
                    return book
                }
            } catch {
                throw SQLiteStore.map(error)
            }
        }
        return try await read { db in
            var asm = try SQLiteStore.loadMarket(db)
            var book = try asm.finish()
            book.accounts = try SQLiteStore.loadAccounts(db)
            return book
        }
    }

    /// Two read snapshots that see one committed state: both begun while this process holds
    /// the file's write lock (`BEGIN IMMEDIATE`), so no commit of any process falls between
    /// them. `nil` for a read-only store, which cannot take that lock (one snapshot then).
    func twinSnapshots() async throws(StoreError) -> (DatabaseSnapshot, DatabaseSnapshot)? {
        guard !pool.configuration.readonly else { return nil }
        return try await writing { _ in
            (try pool.makeSnapshot(), try pool.makeSnapshot())
        }
    }

    public func loadMarket() async throws(StoreError) -> Book {
        try await read { db in
            var asm = try SQLiteStore.loadMarket(db)
            return try asm.finish()
        }
    }

    public func loadAccount(id: String) async throws(StoreError) -> Account? {
        try await read { db in try SQLiteStore.loadAccount(db, id: id) }
    }

    public func accountCount() async throws(StoreError) -> Int {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM accounts") ?? 0 }
    }

    /// Appends one line to the audit chain inside `db`'s IMMEDIATE transaction (the one writer),
    /// as ``SQLSession/audit(at:operator:action:payload:)`` does; returns its sequence number.
    static func audit(_ db: Database, at: Int64, operator op: String, action: String, payload: String) throws -> Int64 {
        let head = try Row.fetchOne(db, sql: "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1")
            .map { SQLiteSession.values($0, [.int, .text]) }
        let row = try AuditChain.next(after: head, at: at, operator: op, action: action, payload: payload)
        try db.execute(sql: AuditChain.insertSQL, arguments: SQLiteSession.arguments(row.values))
        return row.seq
    }

    /// The import with its codec check run beside the write, on a thread of its own: SQLite's
    /// write is this process's work on one core, the check takes the other. The transaction
    /// commits only once the check has passed; a check that fails rolls it back, and the stored
    /// book stays as it was.
    func importChecked(_ book: Book, operator op: String) async throws(StoreError) -> ImportSummary {
        let check = BesideCheck { () throws(StoreError) in try AccountCheck.validate(book) }
        return try await replaceBook(book, operator: op, beside: check)
    }

    /// The import without the codec check: tests use it to make the database fail midway.
    func importUnchecked(_ book: Book, operator op: String) async throws(StoreError) -> ImportSummary {
        try await replaceBook(book, operator: op, beside: nil)
    }

    /// The import; `check` (if any) runs beside the write and must pass before the commit.
    private func replaceBook(_ book: Book, operator op: String, beside check: BesideCheck?)
        async throws(StoreError) -> ImportSummary
    {
        let now = Millis.now(clock)
        // Keys are consistent by construction (an account's index, its sub-accounts' order).
        let summary = try await write(foreignKeys: false) { db in
            try db.execute(sql: "INSERT INTO change_suppress (flag) VALUES (1)")
            // Millions of rows: no per-row change-log trigger on the account side (dropped and put
            // back in this transaction, so a rollback keeps them; one `reset` is logged below).
            let triggers = try SQLiteStore.dropAccountTriggers(db)
            for t in BookTables.deleteOrder { try db.execute(sql: "DELETE FROM \(t.name)") }
            // A large import thrashes the default page cache; widen it for this transaction.
            try db.execute(sql: "PRAGMA cache_size = -524288")
            defer { try? db.execute(sql: "PRAGMA cache_size = -65536") }
            // One prepared statement per table, reused for every row.
            var statements: [String: Statement] = [:]
            for t in BookTables.marketSide { statements[t.name] = try db.makeStatement(sql: t.insertSQL) }
            try BookTables.emitMarket(book) { t, v in
                guard let stmt = statements[t.name] else { return }
                stmt.setUncheckedArguments(SQLiteSession.arguments(v))
                try stmt.execute()
            }
            try SQLiteStore.bulkInsertAccounts(db, book.accounts)
            for sql in triggers { try db.execute(sql: sql) }
            try db.execute(sql: "DELETE FROM change_suppress")
            try db.execute(sql: "DELETE FROM change_log")
            try db.execute(sql: "INSERT INTO change_log (kind, op, account_id) VALUES ('reset', 'replaced', NULL)")
            let seq = try SQLiteStore.audit(
                db, at: now, operator: op, action: AuditAction.importBook, payload: AuditPayload.importBook(book))
            // The commit waits for the check; its refusal rolls the whole import back.
            try check?.wait()
            return ImportSummary(
                accounts: book.accounts.count, assets: book.assets.count,
                instruments: book.instruments.count, auditSeq: seq)
        }
        await checkpointAfterImport()
        return summary
    }

    /// After a committed import the WAL holds the whole book (0.9 GB after a 1M-account import
    /// over another): written into the file and truncated to nothing (`TRUNCATE`), so that the
    /// WAL does not stay that size and reads find the pages in the file. Best effort: the import
    /// is committed either way, and a reader of another process that holds an old snapshot for
    /// longer than a second leaves the WAL for SQLite's own checkpoints.
    func checkpointAfterImport() async {
        await writeLock.lock()
        _ = try? await pool.writeWithoutTransaction { db in
            guard let connection = db.sqliteConnection else { return }
            sqlite3_busy_timeout(connection, 1_000)
            defer { sqlite3_busy_timeout(connection, SQLiteStore.busyTimeoutMilliseconds) }
            try db.checkpoint(.truncate)
        }
        await writeLock.unlock()
    }
}
