import MarginCore

/// The account writes of other systems, with their audit rows, written once for both backends.
/// Each runs inside one writing transaction.
enum AccountWrites {
    /// Adds or replaces `account` (its children rewritten), audited as `account.put`.
    static func put(_ account: Account, operator op: String, at now: Int64, on s: some SQLSession) async throws {
        guard let market = try await s.loadMarket().book else {
            throw StoreError.database("the store holds no book yet: import one first")
        }
        try AccountCheck.validate(account, against: market)
        let pk: Int64
        let existed: Bool
        if let old = try await s.accountKey(id: account.id, lock: .update) {
            pk = old
            existed = true
            try await deleteChildren(of: pk, on: s)
            try await s.execute(
                "UPDATE accounts SET name = ?, model = ? WHERE pk = ?",
                [SQLValue(account.name), SQLValue(account.model?.rawValue), .int(pk)])
        } else {
            // Serialise new keys between concurrent writers.
            if let lock = s.dialect.newAccountKeyLock { try await s.execute(lock, []) }
            pk = try await s.scalar("SELECT coalesce(max(pk), -1) + 1 FROM accounts") ?? 0
            existed = false
        }
        var rows: [(TableSpec, [SQLValue])] = []
        BookTables.emitAccount(account, pk: pk) { t, v in rows.append((t, v)) }
        for (t, v) in rows where !(existed && t.name == BookTables.accounts.name) {
            try await s.execute(t.insertSQL, v)
        }
        try await s.audit(
            at: now, operator: op, action: AuditAction.putAccount,
            payload: AuditPayload.account(account.id, removed: false, account: account))
    }

    /// Removes the account and its children, audited as `account.remove`; `false` when there was none.
    static func remove(id: String, operator op: String, at now: Int64, on s: some SQLSession) async throws -> Bool {
        guard let pk = try await s.accountKey(id: id, lock: .update) else { return false }
        try await deleteChildren(of: pk, on: s)
        try await s.execute("DELETE FROM accounts WHERE pk = ?", [.int(pk)])
        try await s.audit(
            at: now, operator: op, action: AuditAction.removeAccount,
            payload: AuditPayload.account(id, removed: true))
        return true
    }

    static func deleteChildren(of pk: Int64, on s: some SQLSession) async throws {
        for t in [BookTables.positions, BookTables.collateral, BookTables.subaccounts] {
            try await s.execute("DELETE FROM \(t.name) WHERE account_pk = ?", [.int(pk)])
        }
    }
}
