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
            for (i, statements) in PostgresSchema.migrations.enumerated() where Int64(i + 1) > current {
                for sql in statements { try await conn.query(PostgresQuery(unsafeSQL: sql), logger: log) }
                try await conn.query(
                    "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (\(Int64(i + 1)), \(Millis.now(clock)))",
                    logger: log)
            }
        }
    }
}
