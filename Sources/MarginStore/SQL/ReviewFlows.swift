import MarginCore

/// The review lifecycle in SQL, written once for both backends: each step checks the status and
/// the version, records a transition with the account's metrics read inside the same writing
/// transaction, audits it and updates the review.
enum ReviewFlows {
    /// Opens a review of each of `accounts` inside one writing transaction: all or none (the
    /// first refusal throws and the transaction rolls back). `confirmed` are the figures the
    /// operator confirmed, matched by account id, stored beside those recomputed now.
    static func open(
        accounts: [String], operator op: String, note: String, prices: PriceState?,
        confirmed: [ReviewMetrics], at now: Int64, on s: some SQLSession
    ) async throws -> [Review] {
        var out: [Review] = []
        for account in accounts {
            out.append(
                try await open(
                    account: account, operator: op, note: note, prices: prices,
                    confirmed: confirmed.first { $0.accountId == account }, at: now, on: s))
        }
        return out
    }

    /// Opens a review of `account` (refused when it has one in progress), inside a writing transaction.
    static func open(
        account: String, operator op: String, note: String, prices: PriceState?,
        confirmed: ReviewMetrics? = nil, at now: Int64, on s: some SQLSession
    ) async throws -> Review {
        guard let metrics = try await metricsNow(account: account, prices: prices, at: now, on: s) else {
            throw StoreError.accountNotFound(account)
        }
        if let active = try await s.scalar(
            "SELECT id FROM reviews WHERE account_id = ? AND status IN ('open', 'acknowledged')", [.text(account)])
        {
            throw StoreError.activeReviewExists(account: account, review: active)
        }
        guard
            let id = try await s.scalar(
                "INSERT INTO reviews (account_id, status, version, opened_by, opened_at_ms, updated_at_ms) "
                    + "VALUES (?, 'open', 1, ?, ?, ?) RETURNING id", [.text(account), .text(op), .int(now), .int(now)])
        else {
            throw StoreError.database("INSERT INTO reviews returned no id")
        }
        return try await record(
            review: id, account: account, from: nil, to: .open, version: 1, operator: op, at: now,
            note: note, metrics: metrics, confirmed: confirmed, on: s)
    }

    /// Moves `current` (as read and checked before the transaction) to `next`, compare-and-set on
    /// its version, inside a writing transaction.
    static func move(
        _ current: Review, to next: ReviewStatus, operator op: String, note: String?,
        prices: PriceState?, at now: Int64, on s: some SQLSession
    ) async throws -> Review {
        let id = current.id
        let seen = current.version
        let metrics = try await metricsNow(account: current.account, prices: prices, at: now, on: s)
        let updated = try await s.scalar(
            "UPDATE reviews SET status = ?, version = version + 1, updated_at_ms = ? WHERE id = ? AND version = ? "
                + "RETURNING version", [.text(next.rawValue), .int(now), .int(id), SQLValue(seen)])
        if updated == nil {
            let found = try await s.scalar("SELECT version FROM reviews WHERE id = ?", [.int(id)])
            throw StoreError.conflict(review: id, expected: seen, found: Int(found ?? -1))
        }
        return try await record(
            review: id, account: current.account, from: current.status, to: next,
            version: seen + 1, operator: op, at: now, note: note, metrics: metrics, on: s)
    }

    /// Reviews matching `clause` (on `r`), newest first, with their transitions.
    static func fetch(where clause: String, _ binds: [SQLValue], on s: some SQLSession) async throws -> [Review] {
        let rows = try await s.rows(
            "\(ReviewRows.joinedSelect) \(clause) \(ReviewRows.joinedOrder)", binds,
            types: ReviewRows.joinedTypes)
        return try ReviewRows.reviews(joined: rows)
    }

    /// Audit entries after sequence number `after`, in order.
    static func auditLog(after: Int64, on s: some SQLSession) async throws -> [AuditEntry] {
        try await s.rows(
            "SELECT seq, at_ms, operator, action, payload, prev_hash, hash FROM audit_log WHERE seq > ? ORDER BY seq",
            [.int(after)], types: [.int, .int, .text, .text, .text, .text, .text]
        )
        .map { row throws(StoreError) in try ReviewRows.audit(row) }
    }

    /// The account's metrics read inside the writing transaction: SQLite has one writer and
    /// PostgreSQL share-locks the account's row until commit, so no account change can land
    /// between these numbers and the review that stores them.
    static func metricsNow(
        account: String, prices: PriceState?, at now: Int64,
        on s: some SQLSession
    ) async throws -> ReviewMetrics? {
        guard let a = try await s.loadAccount(id: account, lock: .share) else { return nil }
        var market = try await s.loadMarket()
        return try ReviewMetrics.compute(account: a, market: market.finish(), prices: prices, at: Millis.seconds(now))
    }

    /// Inserts the transition, audits it, and reads the review back.
    static func record(
        review id: Int64, account: String, from: ReviewStatus?, to next: ReviewStatus, version: Int,
        operator op: String, at now: Int64, note: String?, metrics: ReviewMetrics?,
        confirmed: ReviewMetrics? = nil, on s: some SQLSession
    ) async throws -> Review {
        let columns = ReviewRows.transitionColumns
        try await s.execute(
            "INSERT INTO review_transitions (\(columns.joined(separator: ", "))) VALUES ("
                + Array(repeating: "?", count: columns.count).joined(separator: ", ") + ")",
            ReviewRows.transitionValues(
                review: id, version: version, status: next, operator: op, at: now, note: note,
                metrics: metrics, confirmed: confirmed))
        try await s.audit(
            at: now, operator: op, action: AuditAction.review(next),
            payload: AuditPayload.review(
                id: id, account: account, from: from, to: next,
                version: version, note: note, metrics: metrics, confirmed: confirmed))
        guard let review = try await fetch(where: "WHERE r.id = ?", [.int(id)], on: s).first else {
            throw StoreError.reviewNotFound(id)
        }
        return review
    }
}
