import MarginCore

/// Reading the book, and replacing it by an import.
extension PostgresStore {
    func isEmpty() async throws(StoreError) -> Bool {
        try await withConnection { s in try await s.scalar("SELECT count(*) FROM market") == 0 }
    }

    public func loadBook() async throws(StoreError) -> Book {
        try await transaction { s in
            // One snapshot for the market and every account.
            try await s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", [])
            var asm = try await s.loadMarket()
            for t in BookTables.accountSide { try await s.scan(t, into: &asm) }
            return try asm.finish()
        }
    }

    public func loadMarket() async throws(StoreError) -> Book {
        try await withConnection { s in
            var asm = try await s.loadMarket()
            return try asm.finish()
        }
    }

    public func loadAccount(id: String) async throws(StoreError) -> Account? {
        try await withConnection { s in try await s.loadAccount(id: id) }
    }

    public func accountCount() async throws(StoreError) -> Int {
        try await withConnection { s in Int(try await s.scalar("SELECT count(*) FROM accounts") ?? 0) }
    }

    /// The import without the codec check: tests use it to make the database fail midway.
    func importUnchecked(_ book: Book, operator op: String) async throws(StoreError) -> ImportSummary {
        let now = Millis.now(clock)
        return try await transaction { s in
            try await s.execute("SET LOCAL margintop.suppress = 'on'", [])
            // Millions of rows: skip the per-row change-log triggers altogether (transactional DDL,
            // undone on rollback; one `reset` change is logged below instead).
            // Only the tables' owner may; an application role (which owns nothing) leaves them on,
            // and `margintop.suppress` keeps them quiet.
            let owner = try await PostgresStore.ownsTables(s)
            if owner {
                for t in BookTables.accountSide {
                    try await s.execute("ALTER TABLE \(t.name) DISABLE TRIGGER USER", [])
                }
            }
            for t in BookTables.deleteOrder { try await s.execute("DELETE FROM \(t.name)", []) }
            var writer = PostgresBulkWriter(conn: s.conn, logger: s.logger)
            try await writer.addMarket(book)
            for (i, a) in book.accounts.enumerated() { try await writer.add(a, pk: Int64(i)) }
            try await writer.flush()
            if owner {
                for t in BookTables.accountSide { try await s.execute("ALTER TABLE \(t.name) ENABLE TRIGGER USER", []) }
            }
            try await s.execute("SET LOCAL margintop.suppress = 'off'", [])
            try await s.execute("DELETE FROM change_log", [])
            try await s.execute("SELECT mt_log('reset', 'replaced', NULL)", [])
            let seq = try await s.audit(
                at: now, operator: op, action: AuditAction.importBook, payload: AuditPayload.importBook(book))
            return ImportSummary(
                accounts: book.accounts.count, assets: book.assets.count,
                instruments: book.instruments.count, auditSeq: seq)
        }
    }
}
