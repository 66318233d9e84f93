import Logging
import MarginCore
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// The PostgreSQL backend (postgres-nio).
///
/// Commands run on one connection at a time (reconnected on next use after a
/// loss). Changes are pushed: triggers append to `change_log` and `pg_notify`;
/// the watcher `LISTEN`s on a connection of its own, reconnects with backoff
/// when the server goes away, reports ``StoreStatus`` meanwhile, and catches up
/// on the change log once back. Every statement is parameterised; the password
/// comes from `PGPASSWORD` or `~/.pgpass` and is never logged.
public final class PostgresStore: SQLBackedStore, SQLStore {
    public let url: StoreURL
    public let target: PostgresTarget
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    let clock: any MarginClock

    /// One command at a time on ``connection``.
    let lock = AsyncLock()
    let connection = NIOLockedValueBox<PostgresConnection?>(nil)
    let watch = ChangeWatch()
    static let connectionIDs = NIOLockedValueBox(0)

    public var sqlBackend: SQLBackend { SQLBackend(store: self) }

    /// Rows per multi-row insert of an import (bound as arrays and `unnest`ed).
    static let batchRows = 20_000
    /// From this many accounts a load reads the positions on a second connection.
    static let parallelLoadAccounts = 10_000

    /// Commands run in read-only transactions, and the schema is checked instead of migrated.
    let readOnly: Bool

    /// Connects to `target` and brings its schema up to date; timestamps come from `clock`.
    ///
    /// `readOnly` migrates nothing and runs every command in a read-only transaction. A schema
    /// newer than this build's is refused (``StoreError/schemaTooNew(found:known:)``), and
    /// read-only an older one too (``StoreError/schemaOutdated(found:known:)``).
    public init(
        target: PostgresTarget, readOnly: Bool = false, connectTimeout: Duration = .seconds(5),
        clock: any MarginClock = SystemClock()
    ) async throws(StoreError) {
        self.target = target
        self.readOnly = readOnly
        self.clock = clock
        url = .postgres(target)
        var config = PostgresConnection.Configuration(
            host: target.host, port: target.port, username: target.user, password: PGPass.password(for: target),
            database: target.database, tls: .disable)
        config.options.connectTimeout = TimeAmount.nanoseconds(
            connectTimeout.components.seconds * 1_000_000_000 + connectTimeout.components.attoseconds / 1_000_000_000)
        configuration = config
        var log = Logger(label: "margintop.store.postgres")
        log.logLevel = .critical
        logger = log
        do {
            if readOnly { try await checkSchema() } else { try await migrate() }
        } catch {
            await close()
            throw error
        }
    }

    public func close() async {
        await watch.stop()
        await lock.lock()
        let conn = connection.withLockedValue { c -> PostgresConnection? in
            defer { c = nil }
            return c
        }
        try? await conn?.close()
        await lock.unlock()
    }
}
