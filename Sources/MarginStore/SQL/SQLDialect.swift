/// What differs between the two databases in the SQL they share: placeholders and row locks.
///
/// Shared statements are written with `?` placeholders; PostgreSQL numbers them.
///
/// ```swift
/// SQLDialect.postgres.render("SELECT pk FROM accounts WHERE id = ?")  // "... WHERE id = $1"
/// SQLDialect.postgres.lock(.share)                                    // " FOR SHARE"
/// ```
enum SQLDialect: Sendable {
    /// `?` placeholders; one writer at a time, so no row locks.
    case sqlite
    /// `$1, $2, …` placeholders; row locks held until commit.
    case postgres

    /// How a read inside a writing transaction locks the rows it reads.
    enum RowLock { case share, update }

    /// `sql` with this dialect's placeholders (no `?` may stand inside a string literal).
    func render(_ sql: String) -> String {
        guard self == .postgres, sql.contains("?") else { return sql }
        var out = ""
        out.reserveCapacity(sql.utf8.count + 8)
        var n = 0
        for c in sql {
            if c == "?" {
                n += 1
                out += "$\(n)"
            } else {
                out.append(c)
            }
        }
        return out
    }

    /// The clause that ends a `SELECT` to lock its rows until commit (`""` in SQLite).
    func lock(_ kind: RowLock) -> String {
        switch (self, kind) {
        case (.sqlite, _): return ""
        case (.postgres, .share): return " FOR SHARE"
        case (.postgres, .update): return " FOR UPDATE"
        }
    }

    /// The statement that serialises appends to the audit chain until commit, if the dialect needs
    /// one (SQLite's `BEGIN IMMEDIATE` already lets one writer in at a time).
    var auditChainLock: String? {
        self == .postgres ? "SELECT pg_advisory_xact_lock(\(PostgresSchema.auditChainLock))" : nil
    }

    /// The statement that serialises writers choosing a new account key, if the dialect needs one.
    var newAccountKeyLock: String? {
        self == .postgres ? "LOCK TABLE accounts IN SHARE ROW EXCLUSIVE MODE" : nil
    }
}
