import MarginCore

extension SQLSession {
    /// Reads table `t` (optionally filtered) in its stored order into `asm`.
    func scan(
        _ t: TableSpec, where clause: String = "", _ binds: [SQLValue] = [],
        into asm: inout BookAssembler
    ) async throws {
        var local = asm
        try await forEachRow(
            "SELECT \(t.columnList) FROM \(t.name) \(clause) ORDER BY \(t.orderBy)", binds,
            types: t.columns.map(\.type)
        ) { try local.add(t, $0) }
        asm = local
    }

    /// The market tables (accounts left out).
    func loadMarket() async throws -> BookAssembler {
        var asm = BookAssembler()
        for t in BookTables.marketSide { try await scan(t, into: &asm) }
        return asm
    }

    /// The account's key, its row locked as `lock` says when given (inside a writing transaction).
    func accountKey(id: String, lock: SQLDialect.RowLock? = nil) async throws -> Int64? {
        try await scalar("SELECT pk FROM accounts WHERE id = ?" + (lock.map { dialect.lock($0) } ?? ""), [.text(id)])
    }

    /// One account, or `nil`; its row locked as `lock` says when given.
    func loadAccount(id: String, lock: SQLDialect.RowLock? = nil) async throws -> Account? {
        guard let pk = try await accountKey(id: id, lock: lock) else { return nil }
        var asm = BookAssembler()
        for t in BookTables.accountSide {
            try await scan(t, where: "WHERE \(t.columns[0].name) = ?", [.int(pk)], into: &asm)
        }
        return asm.loadedAccounts.first
    }
}
