import GRDB

/// SQL on the SQLite store's connections, one GRDB access per statement.
///
/// Writing, every statement runs on the pool's one writer connection inside the transaction
/// that ``SQLiteStore/writing(_:)`` opened with `BEGIN IMMEDIATE` and holds, under the store's
/// write lock, until it commits: no other statement of this process lands in between, and other
/// processes wait for the file's write lock. Reading, each statement is one read access (its own
/// snapshot), so every read flow is a single statement.
struct SQLiteSession: SQLSession {
    let pool: DatabasePool
    let isWriting: Bool
    /// Reads on one snapshot instead (``SQLiteStore/snapshot(_:)``).
    var snapshot: DatabaseSnapshot?

    init(pool: DatabasePool, isWriting: Bool, snapshot: DatabaseSnapshot? = nil) {
        self.pool = pool
        self.isWriting = isWriting
        self.snapshot = snapshot
    }

    var dialect: SQLDialect { .sqlite }

    func execute(_ sql: String, _ binds: [SQLValue]) async throws {
        try await access { db in
            try db.cachedStatement(sql: sql).execute(arguments: SQLiteSession.arguments(binds))
        }
    }

    func forEachRow(
        _ sql: String, _ binds: [SQLValue], types: [ColumnType],
        _ each: ([SQLValue]) throws -> Void
    ) async throws {
        let rows = try await access { db in
            try Row.fetchAll(db.cachedStatement(sql: sql), arguments: SQLiteSession.arguments(binds))
                .map { SQLiteSession.values($0, types) }
        }
        for row in rows { try each(row) }
    }

    private func access<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        if let snapshot { return try await snapshot.read(body) }
        return isWriting ? try await pool.writeWithoutTransaction(body) : try await pool.read(body)
    }

    static func arguments(_ binds: [SQLValue]) -> StatementArguments {
        StatementArguments(binds.map(dbValue))
    }

    static func dbValue(_ v: SQLValue) -> DatabaseValue {
        switch v {
        case .null: return .null
        case .int(let i): return i.databaseValue
        case .double(let d): return d.databaseValue
        case .text(let s): return s.databaseValue
        }
    }

    /// A row's columns read as `types` (an integer in a REAL column is the number it holds).
    static func values(_ row: Row, _ types: [ColumnType]) -> [SQLValue] {
        var out: [SQLValue] = []
        out.reserveCapacity(types.count)
        for (i, type) in types.enumerated() {
            switch (row[i] as DatabaseValue).storage {
            case .null, .blob: out.append(.null)
            case .int64(let x): out.append(type == .double ? .double(Double(x)) : .int(x))
            case .double(let x): out.append(.double(x))
            case .string(let x): out.append(.text(x))
            }
        }
        return out
    }
}
