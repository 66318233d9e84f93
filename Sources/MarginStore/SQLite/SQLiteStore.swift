import Foundation
import GRDB
import MarginCore

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
    /// What connections open: `path`, or an `immutable` URI for a read-only store in a read-only folder.
    let location: String
    let pool: DatabasePool
    let clock: any MarginClock
    public var sqlBackend: SQLBackend { SQLBackend(store: self) }

    /// Poll interval of the change watcher.
    public static let pollInterval: Duration = .milliseconds(200)

    let watch = ChangeWatch()
    /// One writing transaction of this process at a time on the pool's writer connection.
    let writeLock = AsyncLock()
    /// How long a connection waits for another process's lock.
    static let busyTimeoutMilliseconds: Int32 = 15_000
    /// From this many accounts a load reads them in two halves, one per core.
    static let parallelLoadAccounts = 10_000

    /// Opens (creating when needed) the store file at `path` and migrates it; timestamps come from `clock`.
    ///
    /// `readOnly` opens an existing file without writing to it (no folder, no migration, a
    /// read-only connection): a read-only file or folder can be read. A schema newer than this
    /// build's is refused (``StoreError/schemaTooNew(found:known:)``), and read-only an older one
    /// too (``StoreError/schemaOutdated(found:known:)``).
    public init(path: String, readOnly: Bool = false, clock: any MarginClock = SystemClock()) throws(StoreError) {
        self.path = path
        self.clock = clock
        url = .sqlite(path: path)
        let dir = (path as NSString).deletingLastPathComponent
        if !dir.isEmpty, !readOnly {
            do {
                try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            } catch {
                throw .unreachable("cannot create folder \(dir): \(error.localizedDescription)")
            }
        }
        var config = Configuration()
        config.busyMode = .timeout(Double(SQLiteStore.busyTimeoutMilliseconds) / 1000)
        config.label = "margintop"
        config.readonly = readOnly
        // A writing transaction spans several accesses to the writer connection (``writing(_:)``).
        config.allowsUnsafeTransactions = true
        config.prepareDatabase { db in
            // Durable before return: a committed transaction survives power loss, not only a crash.
            if !db.configuration.readonly { try db.execute(sql: "PRAGMA synchronous = FULL") }
            try db.execute(sql: "PRAGMA cache_size = -65536")
        }
        var location = path
        var pool: DatabasePool
        do {
            do {
                pool = try DatabasePool(path: location, configuration: config)
                // A read-only connection finds out here whether it can read the WAL.
                if readOnly { _ = try pool.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") } }
            } catch let e as DatabaseError where readOnly && SQLiteStore.needsImmutable(e, path: path) {
                // WAL needs a -shm it can share, and this folder cannot hold one: no process can
                // write the file in WAL mode here either, so it is read as immutable.
                location = SQLiteStore.immutableURI(path)
                pool = try DatabasePool(path: location, configuration: config)
            }
        } catch {
            throw .unreachable("cannot open \(path): \(SQLiteStore.message(error))")
        }
        do {
            if readOnly {
                let found = try pool.read { db in try SQLiteSchema.version(db) }
                if found < SQLiteSchema.knownVersion {
                    throw StoreError.schemaOutdated(found: found, known: SQLiteSchema.knownVersion)
                }
            } else {
                try SQLiteSchema.migrate(pool)
            }
        } catch {
            try? pool.close()
            if let e = error as? StoreError { throw e }
            throw .unreachable("cannot open \(path): \(SQLiteStore.message(error))")
        }
        self.pool = pool
        self.location = location
        watch.status.yield(.connected)
    }

    /// Whether a read-only open failed because the WAL index cannot be set up: no `-wal`, and
    /// no `-shm` can be created next to the file (a read-only folder).
    static func needsImmutable(_ error: DatabaseError, path: String) -> Bool {
        let dir = (path as NSString).deletingLastPathComponent
        return error.resultCode == .SQLITE_READONLY && !FileManager.default.fileExists(atPath: path + "-wal")
            && access(dir.isEmpty ? "." : dir, W_OK) != 0
    }

    /// A URI that opens `path` as immutable (no locks, no WAL index).
    static func immutableURI(_ path: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "?#%")
        return "file:" + (path.addingPercentEncoding(withAllowedCharacters: allowed) ?? path) + "?immutable=1"
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
    ///
    /// `foreignKeys: false` turns SQLite's foreign-key enforcement off on the writer connection
    /// for this one transaction (the pragma cannot change inside one): a bulk import that writes
    /// consistent keys by construction then deletes whole tables at once (the truncate
    /// optimization) and inserts without a parent lookup per row. Durability is unchanged.
    func write<T: Sendable>(
        foreignKeys: Bool = true, _ body: @escaping @Sendable (Database) throws -> T
    ) async throws(StoreError) -> T {
        await writeLock.lock()
        do {
            let result = try await pool.writeWithoutTransaction { db in
                if !foreignKeys { try db.execute(sql: "PRAGMA foreign_keys = OFF") }
                defer { if !foreignKeys { try? db.execute(sql: "PRAGMA foreign_keys = ON") } }
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

    /// A snapshot connection of its own (a deferred transaction held open): every statement sees
    /// the state of the moment it began.
    func snapshot<T: Sendable>(_ body: (SQLiteSession) async throws -> T) async throws(StoreError) -> T {
        do {
            let snapshot = try pool.makeSnapshot()
            return try await body(SQLiteSession(pool: pool, isWriting: false, snapshot: snapshot))
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

    public func close() async {
        await watch.stop()
        try? pool.close()
    }
}
