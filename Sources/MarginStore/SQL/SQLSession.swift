/// One database connection as the SQL both backends share runs on it: run a statement with
/// binds, or fetch its rows. Inside ``SQLStore/writing(_:)`` every statement is part of one
/// transaction.
///
/// The review and account-write flows (``ReviewFlows``, ``AccountWrites``) are written once
/// against this; ``SQLiteSession`` and ``PostgresSession`` run them.
///
/// ```swift
/// let pk = try await session.scalar("SELECT pk FROM accounts WHERE id = ?", [.text(id)])
/// ```
protocol SQLSession: Sendable {
    /// Placeholders and locks of this database.
    var dialect: SQLDialect { get }
    /// Runs a statement (written with `?` placeholders) that returns no rows.
    func execute(_ sql: String, _ binds: [SQLValue]) async throws
    /// Runs a query (written with `?` placeholders), handing each row, its columns read as
    /// `types`, to `each` in order.
    func forEachRow(
        _ sql: String, _ binds: [SQLValue], types: [ColumnType],
        _ each: ([SQLValue]) throws -> Void) async throws
}

extension SQLSession {
    /// Every row of a query.
    func rows(_ sql: String, _ binds: [SQLValue] = [], types: [ColumnType]) async throws -> [[SQLValue]] {
        var out: [[SQLValue]] = []
        try await forEachRow(sql, binds, types: types) { out.append($0) }
        return out
    }

    /// The integer in the first column of the first row, or `nil` when there is no row.
    func scalar(_ sql: String, _ binds: [SQLValue] = []) async throws -> Int64? {
        var out: Int64?
        try await forEachRow(sql, binds, types: [.int]) { if out == nil { out = $0[0].int } }
        return out
    }

    /// Appends one line to the audit log, chained to the last one (``AuditChain``), inside the
    /// writing transaction; returns its sequence number.
    ///
    /// The chain's head is read after the dialect's chain lock (PostgreSQL: an advisory lock held
    /// until commit; SQLite: `BEGIN IMMEDIATE` already made this the only writer), so two writers
    /// can never both link to the same row.
    @discardableResult
    func audit(at: Int64, operator op: String, action: String, payload: String) async throws -> Int64 {
        if let lock = dialect.auditChainLock { try await execute(lock, []) }
        let head = try await rows("SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1", types: [.int, .text])
        let row = try AuditChain.next(after: head.first, at: at, operator: op, action: action, payload: payload)
        try await execute(AuditChain.insertSQL, row.values)
        return row.seq
    }
}
