import Foundation
import GRDB
import MarginCore
import NIOConcurrencyHelpers

/// The SQLite backend: one file in WAL mode, written through GRDB.
///
/// Other processes may write the same file. GRDB's observation does not see
/// their writes, so triggers append every change to `change_log` and a watcher
/// polls it every 200 ms (`PRAGMA data_version` first, so an idle poll is one
/// cheap statement). Writes are serialised: one `BEGIN IMMEDIATE` transaction at a
/// time in this process (a lock) and across processes (SQLite's file lock).
public final class SQLiteStore: SQLBackedStore, SQLStore {
    public let url: StoreURL
    public let path: String
    let pool: DatabasePool
    public var sqlBackend: SQLBackend { SQLBackend(store: self) }

    /// Poll interval of the change watcher.
    public static let pollInterval: Duration = .milliseconds(200)

    let watch = ChangeWatch()
    /// One writing transaction of this process at a time on the pool's writer connection.
    private let writeLock = AsyncLock()

    /// Opens (creating when needed) the store file at `path` and migrates it.
    public init(path: String) throws(StoreError) {
        self.path = path
        url = .sqlite(path: path)
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw .unreachable("cannot create folder \(dir): \(error.localizedDescription)")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(15)
        config.label = "margintop"
        // A writing transaction spans several accesses to the writer connection (``writing(_:)``).
        config.allowsUnsafeTransactions = true
        config.prepareDatabase { db in
            // Durable before return: a committed transaction survives power loss, not only a crash.
            try db.execute(sql: "PRAGMA synchronous = FULL")
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try SQLiteSchema.migrator.migrate(pool)
        } catch {
            throw .unreachable("cannot open \(path): \(SQLiteStore.message(error))")
        }
        watch.status.yield(.connected)
    }

    static func message(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? e.description }
        return describe(error)
    }

    static func map(_ error: any Error) -> StoreError {
        if let e = error as? StoreError { return e }
        return .database(message(error))
    }

    /// Runs `body` in one IMMEDIATE transaction, committed before this returns.
    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        await writeLock.lock()
        do {
            let result = try await pool.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                guard let result else { throw StoreError.database("transaction returned nothing") }
                return result
            }
            await writeLock.unlock()
            return result
        } catch {
            await writeLock.unlock()
            throw SQLiteStore.map(error)
        }
    }

    /// Runs `body` in one IMMEDIATE transaction held across its statements (each one access to
    /// the writer connection) under the write lock, committed before this returns.
    func writing<T: Sendable>(_ body: (SQLiteSession) async throws -> T) async throws(StoreError) -> T {
        await writeLock.lock()
        do {
            try await pool.writeWithoutTransaction { db in
                // An interrupted access may have left one behind.
                if db.isInsideTransaction { try db.rollback() }
                try db.beginTransaction(.immediate)
            }
            let result = try await body(SQLiteSession(pool: pool, isWriting: true))
            try await pool.writeWithoutTransaction { db in try db.commit() }
            await writeLock.unlock()
            return result
        } catch {
            // Not cancellable: the transaction must end before the next writer begins.
            await Task { [pool] in
                try? await pool.writeWithoutTransaction { db in if db.isInsideTransaction { try db.rollback() } }
            }.value
            await writeLock.unlock()
            throw SQLiteStore.map(error)
        }
    }

    func reading<T: Sendable>(_ body: (SQLiteSession) async throws -> T) async throws(StoreError) -> T {
        do {
            return try await body(SQLiteSession(pool: pool, isWriting: false))
        } catch {
            throw SQLiteStore.map(error)
        }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws(StoreError) -> T {
        do {
            return try await pool.read(body)
        } catch {
            throw SQLiteStore.map(error)
        }
    }

    // MARK: - Book

    func isEmpty() async throws(StoreError) -> Bool {
        try await read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM market") == 0 }
    }

    static func scan(_ db: Database, _ t: TableSpec, where clause: String = "", _ args: StatementArguments = [],
                     into asm: inout BookAssembler) throws {
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
        try await read { db in
            var asm = try SQLiteStore.loadMarket(db)
            for t in BookTables.accountSide { try SQLiteStore.scan(db, t, into: &asm) }
            return try asm.finish()
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

    /// The import without the codec check: tests use it to make the database fail midway.
    func importUnchecked(_ book: Book, operator op: String) async throws(StoreError) -> ImportSummary {
        let now = Millis.now()
        return try await write { db in
            try db.execute(sql: "INSERT INTO change_suppress (flag) VALUES (1)")
            for t in BookTables.deleteOrder { try db.execute(sql: "DELETE FROM \(t.name)") }
            // A large import thrashes the default 2 MB page cache; widen it for this transaction.
            try db.execute(sql: "PRAGMA cache_size = -524288")
            defer { try? db.execute(sql: "PRAGMA cache_size = -65536") }
            // One prepared statement per table, reused for every row.
            var statements: [String: Statement] = [:]
            for t in BookTables.marketSide + BookTables.accountSide {
                statements[t.name] = try db.makeStatement(sql: t.insertSQL)
            }
            let insert = { (t: TableSpec, v: [SQLValue]) throws in
                guard let stmt = statements[t.name] else { return }
                stmt.setUncheckedArguments(SQLiteSession.arguments(v))
                try stmt.execute()
            }
            try BookTables.emitMarket(book, insert)
            for (i, a) in book.accounts.enumerated() { try BookTables.emitAccount(a, pk: Int64(i), insert) }
            try db.execute(sql: "DELETE FROM change_suppress")
            try db.execute(sql: "DELETE FROM change_log")
            try db.execute(sql: "INSERT INTO change_log (kind, op, account_id) VALUES ('reset', 'replaced', NULL)")
            try db.execute(sql: "INSERT INTO audit_log (at_ms, operator, action, payload) VALUES (?, ?, ?, ?)",
                           arguments: [now, op, AuditAction.importBook, AuditPayload.importBook(book)])
            return ImportSummary(accounts: book.accounts.count, assets: book.assets.count,
                                 instruments: book.instruments.count, auditSeq: db.lastInsertedRowID)
        }
    }

    // MARK: - Change watching

    func startWatcher() async {
        if watch.isRunning { return }
        let baseline = (try? await read { db in
            try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM change_log") ?? 0
        }) ?? 0
        watch.start { [path, changes = watch.changes, status = watch.status] in
            await SQLiteStore.watch(path: path, from: baseline, changes: changes, status: status)
        }
    }

    /// Polls `change_log` from a connection of its own until cancelled.
    private static func watch(path: String, from baseline: Int64,
                              changes: Broadcaster<StoreChange>, status: Broadcaster<StoreStatus>) async {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        var lastSeq = baseline
        var lastVersion: Int64?
        var queue: DatabaseQueue?
        var down = false
        while !Task.isCancelled {
            do {
                if queue == nil { queue = try DatabaseQueue(path: path, configuration: config) }
                guard let q = queue else { continue }
                let since = lastSeq
                let known = lastVersion
                let (version, rows): (Int64?, [ChangeLogRow]) = try await q.read { db in
                    let v = try Int64.fetchOne(db, sql: "PRAGMA data_version")
                    if v == known { return (v, []) }
                    let rows = try Row.fetchAll(
                        db, sql: "SELECT seq, kind, op, account_id FROM change_log WHERE seq > ? ORDER BY seq LIMIT 100000",
                        arguments: [since])
                    return (v, rows.map { ChangeLogRow(seq: $0[0], kind: $0[1], op: $0[2], accountId: $0[3]) })
                }
                if down { down = false; status.yield(.connected) }
                if let last = rows.last {
                    let items = ChangeCoalescer.coalesce(rows)
                    let accounts = try await q.read { db in
                        var out: [String: Account] = [:]
                        for case let .account(id, _) in items { out[id] = try SQLiteStore.loadAccount(db, id: id) }
                        return out
                    }
                    for item in items { if let c = item.change(accounts) { changes.yield(c) } }
                    lastSeq = last.seq
                    // More rows may be waiting than one batch held: do not skip the next read.
                    lastVersion = rows.count == 100000 ? nil : version
                } else {
                    lastVersion = version
                }
            } catch {
                if !down { down = true; status.yield(.down(reason: SQLiteStore.message(error))) }
                queue = nil
                lastVersion = nil
            }
            try? await Task.sleep(for: pollInterval)
        }
    }

    public func close() async {
        await watch.stop()
        try? pool.close()
    }
}

extension ChangeCoalescer.Item {
    /// The change to report, given the accounts as they are now (`nil` when gone).
    func change(_ accounts: [String: Account]) -> StoreChange? {
        switch self {
        case .market: return .marketChanged
        case .reset: return .bookReplaced
        case let .account(id, firstOp):
            if let a = accounts[id] { return firstOp == "added" ? .accountAdded(a) : .accountChanged(a) }
            return firstOp == "added" ? nil : .accountRemoved(id: id)
        }
    }
}
