import Foundation
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
public final class PostgresStore: AccountStore {
    public let url: StoreURL
    public let target: PostgresTarget
    let configuration: PostgresConnection.Configuration
    let logger: Logger

    private let lock = AsyncLock()
    private let connection = NIOLockedValueBox<PostgresConnection?>(nil)
    private let changeHub = Broadcaster<StoreChange>()
    private let statusHub = Broadcaster<StoreStatus>(replayLast: true)
    private let watcher = NIOLockedValueBox<Task<Void, Never>?>(nil)
    private static let connectionIDs = NIOLockedValueBox(0)

    /// Rows per multi-row insert of an import (bound as arrays and `unnest`ed).
    static let batchRows = 20_000

    /// Connects to `target` and brings its schema up to date.
    public init(target: PostgresTarget, connectTimeout: Duration = .seconds(5)) async throws(StoreError) {
        self.target = target
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
        try await migrate()
    }

    func connect() async throws -> PostgresConnection {
        let id = PostgresStore.connectionIDs.withLockedValue { $0 += 1; return $0 }
        return try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
    }

    static func map(_ error: any Error, _ target: PostgresTarget) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? PSQLError {
            if e.code == .server {
                let message = e.serverInfo?[.message] ?? "server error"
                let detail = e.serverInfo?[.detail].map { " (\($0))" } ?? ""
                return .database(message + detail)
            }
            let underlying = e.underlying.map { ": \(String(describing: $0))" } ?? ""
            return .unreachable("\(target) \(e.code)\(underlying)")
        }
        if error is PostgresDecodingError { return .database("unexpected column type: \(error)") }
        return .unreachable("\(target): \(error)")
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Runs `body` on the command connection, one caller at a time.
    func withConnection<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        await lock.lock()
        var conn: PostgresConnection?
        do {
            if let c = connection.withLockedValue({ $0 }), !c.isClosed {
                conn = c
            } else {
                if let stale = connection.withLockedValue({ c -> PostgresConnection? in defer { c = nil }; return c }) {
                    try? await stale.close()
                }
                let c = try await connect()
                connection.withLockedValue { $0 = c }
                conn = c
            }
            guard let c = conn else { throw StoreError.unreachable("\(target): no connection") }
            let result = try await body(c)
            await lock.unlock()
            return result
        } catch {
            if let c = conn, c.isClosed {
                connection.withLockedValue { $0 = nil }
                try? await c.close()
            }
            await lock.unlock()
            throw PostgresStore.map(error, target)
        }
    }

    /// Runs `body` in one transaction, committed before this returns.
    func transaction<T: Sendable>(_ body: (PostgresConnection) async throws -> T) async throws(StoreError) -> T {
        let log = logger
        return try await withConnection { conn in
            try await conn.query("BEGIN", logger: log)
            do {
                let result = try await body(conn)
                try await conn.query("COMMIT", logger: log)
                return result
            } catch {
                if !conn.isClosed { _ = try? await conn.query("ROLLBACK", logger: log) }
                throw error
            }
        }
    }

    private func migrate() async throws(StoreError) {
        let log = logger
        try await transaction { conn in
            try await conn.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: log)
            try await conn.query("""
                CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)
                """, logger: log)
            var current: Int64 = 0
            for try await v in try await conn.query("SELECT coalesce(max(version), 0) FROM schema_migrations",
                                                    logger: log).decode(Int64.self) { current = v }
            for (i, statements) in PostgresSchema.migrations.enumerated() where Int64(i + 1) > current {
                for sql in statements { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: log) }
                try await conn.query("INSERT INTO schema_migrations (version, applied_at_ms) VALUES (\(Int64(i + 1)), \(Millis.now()))",
                                     logger: log)
            }
        }
    }

    // MARK: - Rows

    static func values(_ row: PostgresRow, _ types: [ColumnType]) throws -> [SQLValue] {
        let ra = row.makeRandomAccess()
        var out: [SQLValue] = []
        out.reserveCapacity(types.count)
        for (i, t) in types.enumerated() {
            switch t {
            case .int: out.append(try ra[i].decode(Int64?.self).map { .int($0) } ?? .null)
            case .double: out.append(try ra[i].decode(Double?.self).map { .double($0) } ?? .null)
            case .text: out.append(try ra[i].decode(String?.self).map { .text($0) } ?? .null)
            }
        }
        return out
    }

    static func bind(_ values: [SQLValue]) -> PostgresBindings {
        var b = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .null: b.appendNull()
            case let .int(i): b.append(i)
            case let .double(d): b.append(d)
            case let .text(s): b.append(s)
            }
        }
        return b
    }

    static func rows(_ conn: PostgresConnection, _ sql: String, _ binds: [SQLValue] = [], types: [ColumnType],
                     logger: Logger, _ each: ([SQLValue]) throws -> Void) async throws {
        let seq = try await conn.query(PostgresQuery(unsafeSQL: sql, binds: bind(binds)), logger: logger)
        for try await row in seq { try each(try values(row, types)) }
    }

    static func scan(_ conn: PostgresConnection, _ t: TableSpec, where clause: String = "", _ binds: [SQLValue] = [],
                     into asm: inout BookAssembler, logger: Logger) async throws {
        let sql = "SELECT \(t.columnList) FROM \(t.name) \(clause) ORDER BY \(t.orderBy)"
        var local = asm
        try await rows(conn, sql, binds, types: t.columns.map(\.type), logger: logger) { try local.add(t, $0) }
        asm = local
    }

    static func scalar(_ conn: PostgresConnection, _ sql: String, _ binds: [SQLValue] = [],
                       logger: Logger) async throws -> Int64? {
        var out: Int64?
        try await rows(conn, sql, binds, types: [.int], logger: logger) { out = $0[0].int }
        return out
    }

    static func execute(_ conn: PostgresConnection, _ sql: String, _ binds: [SQLValue] = [], logger: Logger) async throws {
        try await conn.query(PostgresQuery(unsafeSQL: sql, binds: bind(binds)), logger: logger)
    }

    static func loadMarket(_ conn: PostgresConnection, logger: Logger) async throws -> BookAssembler {
        var asm = BookAssembler()
        for t in BookTables.marketSide { try await scan(conn, t, into: &asm, logger: logger) }
        return asm
    }

    static func loadAccount(_ conn: PostgresConnection, id: String, logger: Logger) async throws -> Account? {
        guard let pk = try await scalar(conn, "SELECT pk FROM accounts WHERE id = $1", [.text(id)], logger: logger) else {
            return nil
        }
        var asm = BookAssembler()
        for t in BookTables.accountSide {
            try await scan(conn, t, where: "WHERE \(t.columns[0].name) = $1", [.int(pk)], into: &asm, logger: logger)
        }
        return asm.loadedAccounts.first
    }

    // MARK: - Book

    func isEmpty() async throws(StoreError) -> Bool {
        let log = logger
        return try await withConnection { conn in
            try await PostgresStore.scalar(conn, "SELECT count(*) FROM market", logger: log) == 0
        }
    }

    public func loadBook() async throws(StoreError) -> Book {
        let log = logger
        return try await transaction { conn in
            // One snapshot for the market and every account.
            try await conn.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: log)
            var asm = try await PostgresStore.loadMarket(conn, logger: log)
            for t in BookTables.accountSide { try await PostgresStore.scan(conn, t, into: &asm, logger: log) }
            return try asm.finish()
        }
    }

    public func loadMarket() async throws(StoreError) -> Book {
        let log = logger
        return try await withConnection { conn in
            var asm = try await PostgresStore.loadMarket(conn, logger: log)
            return try asm.finish()
        }
    }

    public func loadAccount(id: String) async throws(StoreError) -> Account? {
        let log = logger
        return try await withConnection { conn in try await PostgresStore.loadAccount(conn, id: id, logger: log) }
    }

    public func accountCount() async throws(StoreError) -> Int {
        let log = logger
        return try await withConnection { conn in
            Int(try await PostgresStore.scalar(conn, "SELECT count(*) FROM accounts", logger: log) ?? 0)
        }
    }

    @discardableResult
    public func importBook(_ book: Book, operator op: String, checked: Bool) async throws(StoreError) -> ImportSummary {
        if !checked { try AccountCheck.validate(book) }
        return try await importUnchecked(book, operator: op)
    }

    /// The import without the codec check: tests use it to make the database fail midway.
    func importUnchecked(_ book: Book, operator op: String) async throws(StoreError) -> ImportSummary {
        let log = logger
        let now = Millis.now()
        return try await transaction { conn in
            try await conn.query("SET LOCAL margintop.suppress = 'on'", logger: log)
            // Millions of rows: skip the per-row change-log triggers altogether (transactional DDL,
            // undone on rollback; one `reset` change is logged below instead).
            for t in BookTables.accountSide {
                try await PostgresStore.execute(conn, "ALTER TABLE \(t.name) DISABLE TRIGGER USER", logger: log)
            }
            for t in BookTables.deleteOrder {
                try await PostgresStore.execute(conn, "DELETE FROM \(t.name)", logger: log)
            }
            var writer = PostgresBulkWriter(conn: conn, logger: log)
            try await writer.addMarket(book)
            for (i, a) in book.accounts.enumerated() { try await writer.add(a, pk: Int64(i)) }
            try await writer.flush()
            for t in BookTables.accountSide {
                try await PostgresStore.execute(conn, "ALTER TABLE \(t.name) ENABLE TRIGGER USER", logger: log)
            }
            try await conn.query("SET LOCAL margintop.suppress = 'off'", logger: log)
            try await PostgresStore.execute(conn, "DELETE FROM change_log", logger: log)
            try await PostgresStore.execute(conn, "SELECT mt_log('reset', 'replaced', NULL)", logger: log)
            let seq = try await PostgresStore.scalar(
                conn, "INSERT INTO audit_log (at_ms, operator, action, payload) VALUES ($1, $2, $3, $4) RETURNING seq",
                [.int(now), .text(op), .text(AuditAction.importBook), .text(AuditPayload.importBook(book))], logger: log)
            return ImportSummary(accounts: book.accounts.count, assets: book.assets.count,
                                 instruments: book.instruments.count, auditSeq: seq ?? 0)
        }
    }

    public func putAccount(_ account: Account, operator op: String) async throws(StoreError) {
        let log = logger
        try await transaction { conn in
            guard let market = try await PostgresStore.loadMarket(conn, logger: log).book else {
                throw StoreError.database("the store holds no book yet: import one first")
            }
            try AccountCheck.validate(account, against: market)
            let pk: Int64
            var existed = false
            if let old = try await PostgresStore.scalar(conn, "SELECT pk FROM accounts WHERE id = $1 FOR UPDATE",
                                                        [.text(account.id)], logger: log) {
                pk = old
                existed = true
                for t in ["positions", "collateral", "subaccounts"] {
                    try await PostgresStore.execute(conn, "DELETE FROM \(t) WHERE account_pk = $1", [.int(pk)], logger: log)
                }
                try await PostgresStore.execute(conn, "UPDATE accounts SET name = $1, model = $2 WHERE pk = $3",
                                                [SQLValue(account.name), SQLValue(account.model?.rawValue), .int(pk)],
                                                logger: log)
            } else {
                // Serialise new keys between concurrent writers.
                try await conn.query("LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE", logger: log)
                pk = try await PostgresStore.scalar(conn, "SELECT coalesce(max(pk), -1) + 1 FROM accounts",
                                                    logger: log) ?? 0
            }
            var pending: [(TableSpec, [SQLValue])] = []
            BookTables.emitAccount(account, pk: pk) { t, v in pending.append((t, v)) }
            for (t, v) in pending where !(existed && t.name == "accounts") {
                let ph = (1...t.columns.count).map { "$\($0)" }.joined(separator: ", ")
                try await PostgresStore.execute(conn, "INSERT INTO \(t.name) (\(t.columnList)) VALUES (\(ph))", v,
                                                logger: log)
            }
            try await PostgresStore.audit(conn, at: Millis.now(), operator: op, action: AuditAction.putAccount,
                                          payload: AuditPayload.account(account.id, removed: false, account: account),
                                          logger: log)
        }
    }

    @discardableResult
    public func removeAccount(id: String, operator op: String) async throws(StoreError) -> Bool {
        let log = logger
        return try await transaction { conn in
            guard let pk = try await PostgresStore.scalar(conn, "SELECT pk FROM accounts WHERE id = $1 FOR UPDATE",
                                                          [.text(id)], logger: log) else { return false }
            for t in ["positions", "collateral", "subaccounts", "accounts"] {
                let key = t == "accounts" ? "pk" : "account_pk"
                try await PostgresStore.execute(conn, "DELETE FROM \(t) WHERE \(key) = $1", [.int(pk)], logger: log)
            }
            try await PostgresStore.audit(conn, at: Millis.now(), operator: op, action: AuditAction.removeAccount,
                                          payload: AuditPayload.account(id, removed: true), logger: log)
            return true
        }
    }

    // MARK: - Change watching

    public func changes() async -> AsyncStream<StoreChange> {
        let stream = changeHub.subscribe()
        await startWatcher()
        return stream
    }

    public func statusUpdates() async -> AsyncStream<StoreStatus> {
        let stream = statusHub.subscribe()
        await startWatcher()
        return stream
    }

    private func startWatcher() async {
        if watcher.withLockedValue({ $0 != nil }) { return }
        let log = logger
        // The starting point, read now so that a change committed after `changes()` returns is seen.
        let baseline = try? await withConnection { conn in
            try await PostgresStore.scalar(conn, "SELECT coalesce(max(seq), 0) FROM change_log", logger: log) ?? 0
        }
        let ready = AsyncStream<Void>.makeStream()
        let started = watcher.withLockedValue { task -> Bool in
            guard task == nil else { return false }
            let watch = PostgresWatcher(store: self, baseline: baseline, changes: changeHub, status: statusHub,
                                        ready: ready.continuation)
            task = Task { await watch.run() }
            return true
        }
        if started {
            // Wait until LISTEN is in place (or the first attempt failed), at most 5 s.
            await withTaskGroup(of: Void.self) { group in
                group.addTask { for await _ in ready.stream { return } }
                group.addTask { try? await Task.sleep(for: .seconds(5)) }
                await group.next()
                group.cancelAll()
            }
        }
    }

    public func close() async {
        let task = watcher.withLockedValue { t -> Task<Void, Never>? in defer { t = nil }; return t }
        task?.cancel()
        await task?.value
        changeHub.finish()
        statusHub.yield(.down(reason: "closed"))
        statusHub.finish()
        await lock.lock()
        let conn = connection.withLockedValue { c -> PostgresConnection? in defer { c = nil }; return c }
        try? await conn?.close()
        await lock.unlock()
    }

    deinit {
        watcher.withLockedValue { $0?.cancel() }
    }
}

/// The `LISTEN` loop of one store: connects, listens, catches up, reconnects.
struct PostgresWatcher: Sendable {
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    let target: PostgresTarget
    let lastSeq: NIOLockedValueBox<Int64?>
    let changes: Broadcaster<StoreChange>
    let status: Broadcaster<StoreStatus>
    let ready: AsyncStream<Void>.Continuation

    init(store: PostgresStore, baseline: Int64?, changes: Broadcaster<StoreChange>, status: Broadcaster<StoreStatus>,
         ready: AsyncStream<Void>.Continuation) {
        configuration = store.configuration
        logger = store.logger
        target = store.target
        lastSeq = NIOLockedValueBox(baseline)
        self.changes = changes
        self.status = status
        self.ready = ready
    }

    func run() async {
        var attempt = 0
        var connectedOnce = false
        while !Task.isCancelled {
            do {
                let conn = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                defer { Task { try? await conn.close() } }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // postgres-nio ends a LISTEN only when the connection goes: watch for that,
                        // and close the connection ourselves when the store closes.
                        do {
                            while !conn.isClosed { try await Task.sleep(for: .milliseconds(100)) }
                        } catch {
                            try? await conn.close()
                            return
                        }
                        throw StoreError.unreachable("\(target): connection lost")
                    }
                    group.addTask {
                        try await conn.listen(on: PostgresSchema.channel) { notifications in
                            try await catchUp(conn)
                            status.yield(.connected)
                            ready.yield()
                            for try await _ in notifications { try await catchUp(conn) }
                        }
                        throw StoreError.unreachable("\(target): connection lost")
                    }
                    defer { group.cancelAll() }
                    attempt = 0
                    connectedOnce = true
                    try await group.next()
                }
            } catch {
                if Task.isCancelled { break }
                attempt += 1
                let reason = describe(PostgresStore.map(error, target))
                if attempt == 1 {
                    status.yield(.down(reason: reason))
                } else {
                    status.yield(.reconnecting(attempt: attempt - 1, reason: reason))
                }
                if !connectedOnce { ready.yield() }
                try? await Task.sleep(for: .milliseconds(min(1000, 100 * attempt)))
            }
        }
        ready.finish()
    }

    /// Reports every change logged after the last one seen.
    func catchUp(_ conn: PostgresConnection) async throws {
        guard let since = lastSeq.withLockedValue({ $0 }) else {
            let now = try await PostgresStore.scalar(conn, "SELECT coalesce(max(seq), 0) FROM change_log",
                                                     logger: logger) ?? 0
            lastSeq.withLockedValue { $0 = now }
            return
        }
        var rows: [ChangeLogRow] = []
        try await PostgresStore.rows(
            conn, "SELECT seq, kind, op, account_id FROM change_log WHERE seq > $1 ORDER BY seq", [.int(since)],
            types: [.int, .text, .text, .text], logger: logger) { v in
            rows.append(ChangeLogRow(seq: v[0].int ?? 0, kind: v[1].text ?? "", op: v[2].text ?? "", accountId: v[3].text))
        }
        guard let last = rows.last else { return }
        let items = ChangeCoalescer.coalesce(rows)
        var accounts: [String: Account] = [:]
        for case let .account(id, _) in items {
            accounts[id] = try await PostgresStore.loadAccount(conn, id: id, logger: logger)
        }
        for item in items { if let c = item.change(accounts) { changes.yield(c) } }
        lastSeq.withLockedValue { $0 = last.seq }
    }
}
