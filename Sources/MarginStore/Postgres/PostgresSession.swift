import Logging
import PostgresNIO

/// SQL on the PostgreSQL store's command connection (held by the caller, one at a time),
/// `?` placeholders numbered `$1, $2, …`.
struct PostgresSession: SQLSession {
    let conn: PostgresConnection
    let logger: Logger

    var dialect: SQLDialect { .postgres }

    func execute(_ sql: String, _ binds: [SQLValue]) async throws {
        try await conn.query(query(sql, binds), logger: logger)
    }

    func forEachRow(
        _ sql: String, _ binds: [SQLValue], types: [ColumnType],
        _ each: ([SQLValue]) throws -> Void
    ) async throws {
        for try await row in try await conn.query(query(sql, binds), logger: logger) {
            try each(try PostgresRowCodec.values(row, types))
        }
    }

    private func query(_ sql: String, _ binds: [SQLValue]) -> PostgresQuery {
        PostgresQuery(unsafeSQL: dialect.render(sql), binds: PostgresRowCodec.bind(binds))
    }
}
