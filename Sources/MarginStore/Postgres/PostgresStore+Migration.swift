import PostgresNIO

extension PostgresStore {
    /// Brings the schema up to date, one process at a time (an advisory lock).
    func migrate() async throws(StoreError) {
        let log = logger
        try await transaction { s in
            let conn = s.conn
            try await conn.query("SELECT pg_advisory_xact_lock(\(PostgresSchema.migrationLock))", logger: log)
            try await conn.query(
                """
                CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at_ms BIGINT NOT NULL)
                """, logger: log)
            var current: Int64 = 0
            for try await v in try await conn.query(
                "SELECT coalesce(max(version), 0) FROM schema_migrations",
                logger: log
            ).decode(Int64.self) { current = v }
            let known = Int64(PostgresSchema.migrations.count)
            if current > known { throw StoreError.schemaTooNew(found: Int(current), known: Int(known)) }
            for (i, statements) in PostgresSchema.migrations.enumerated() where Int64(i + 1) > current {
                for sql in statements { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: log) }
                try await conn.query(
                    "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (\(Int64(i + 1)), \(Millis.now(clock)))",
                    logger: log)
            }
        }
    }

    /// The schema as a read-only open needs it: refused when newer than this build's
    /// (``StoreError/schemaTooNew(found:known:)``) or older (``StoreError/schemaOutdated(found:known:)``).
    func checkSchema() async throws(StoreError) {
        let log = logger
        let known = PostgresSchema.migrations.count
        let current = try await withConnection { s in
            var exists = false
            for try await v in try await s.conn.query(
                "SELECT to_regclass('schema_migrations') IS NOT NULL", logger: log
            ).decode(Bool.self) { exists = v }
            guard exists else { return 0 }
            var current: Int64 = 0
            for try await v in try await s.conn.query(
                "SELECT coalesce(max(version), 0) FROM schema_migrations", logger: log
            ).decode(Int64.self) { current = v }
            return Int(current)
        }
        if current > known { throw .schemaTooNew(found: current, known: known) }
        if current < known { throw .schemaOutdated(found: current, known: known) }
    }
}
