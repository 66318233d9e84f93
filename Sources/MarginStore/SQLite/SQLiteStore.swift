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
    let pool: DatabasePool
    let clock: any MarginClock
    public var sqlBackend: SQLBackend { SQLBackend(store: self) }

    /// Poll interval of the change watcher.
    public static let pollInterval: Duration = .milliseconds(200)

    let watch = ChangeWatch()
    /// One writing transaction of this process at a time on the pool's writer connection.
    private let writeLock = AsyncLock()

    /// Opens (creating when needed) the store file at `path` and migrates it; timestamps come from `clock`.
    public init(path: String, clock: any MarginClock = SystemClock()) throws(StoreError) {
        self.path = path
        self.clock = clock
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

    public func close() async {
        await watch.stop()
        try? pool.close()
    }
}
