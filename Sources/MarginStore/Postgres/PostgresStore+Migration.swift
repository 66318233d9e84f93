import PostgresNIO

extension PostgresStore {
    /// Brings the schema up to date, one process at a time (an advisory lock).
    ///
    /// An up-to-date schema is only read: an application role, which owns nothing and may create
    /// nothing, opens it. An older one needs the role that owns the tables (``grantAppRole(_:apply:)``).
    func migrate() async throws(StoreError) {
        let log = logger
        let user = target.user
        try await transaction { s in
            let conn = s.conn
            try await conn.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: log)
            let current = try await PostgresStore.storedVersion(s)
            let known = Int64(PostgresSchema.migrations.count)
            if current > known { throw StoreError.schemaTooNew(found: Int(current), known: Int(known)) }
            if current == known { return }
            do {
                try await conn.query(
                    """
                    CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)
                    """, logger: log)
                for (i, statements) in PostgresSchema.migrations.enumerated() where Int64(i + 1) > current {
                    for sql in statements { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: log) }
                    try await conn.query(
                        "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (\(Int64(i + 1)), \(Millis.now(clock)))",
                        logger: log)
                }
            } catch let error where PostgresStore.sqlState(error) == "42501" {
                let reason = (error as? PSQLError)?.serverInfo?[.message] ?? "permission denied"
                throw StoreError.database(
                    "store schema version \(current) is older than this margintop's \(known) and role \(user) "
                        + "may not upgrade it (\(reason)): run `margintop-store migrate` as the role that owns the store"
                )
            }
        }
    }

    /// The stored schema version: 0 when there is no schema yet.
    static func storedVersion(_ s: PostgresSession) async throws -> Int64 {
        var exists = false
        for try await v in try await s.conn.query(
            "SELECT to_regclass('schema_migrations') IS NOT NULL", logger: s.logger
        ).decode(Bool.self) { exists = v }
        guard exists else { return 0 }
        var current: Int64 = 0
        for try await v in try await s.conn.query(
            "SELECT coalesce(max(version), 0) FROM schema_migrations", logger: s.logger
        ).decode(Int64.self) { current = v }
        return current
    }

    /// Whether the session's role may act as the owner of the store's tables (superusers may).
    static func ownsTables(_ s: PostgresSession) async throws -> Bool {
        try await s.scalar(
            "SELECT count(*) FROM pg_class WHERE oid = 'accounts'::regclass AND pg_has_role(relowner, 'USAGE')") == 1
    }

    /// The schema as a read-only open needs it: refused when newer than this build's
    /// (``StoreError/schemaTooNew(found:known:)``) or older (``StoreError/schemaOutdated(found:known:)``).
    func checkSchema() async throws(StoreError) {
        let known = PostgresSchema.migrations.count
        let current = Int(try await withConnection { s in try await PostgresStore.storedVersion(s) })
        if current > known { throw .schemaTooNew(found: current, known: known) }
        if current < known { throw .schemaOutdated(found: current, known: known) }
    }
}
