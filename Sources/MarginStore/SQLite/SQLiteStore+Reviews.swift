import GRDB
import MarginCore

extension SQLiteStore {
    static func rowValues(_ row: Row, count: Int) -> [SQLValue] {
        (0..<count).map { i -> SQLValue in
            switch (row[i] as DatabaseValue).storage {
            case .null, .blob: return .null
            case let .int64(x): return .int(x)
            case let .double(x): return .double(x)
            case let .string(x): return .text(x)
            }
        }
    }

    static func fetchReviews(_ db: Database, where clause: String, _ args: StatementArguments) throws -> [Review] {
        let rows = try Row.fetchAll(db, sql: "SELECT \(ReviewRows.reviewColumns) FROM reviews \(clause) ORDER BY id DESC",
                                    arguments: args)
        var reviews = try rows.map { row throws(StoreError) in try ReviewRows.review(rowValues(row, count: 7)) }
        guard !reviews.isEmpty else { return [] }
        var index: [Int64: Int] = [:]
        for (i, r) in reviews.enumerated() { index[r.id] = i }
        let tsql = "SELECT \(ReviewRows.transitionColumns) FROM review_transitions WHERE review_id IN "
            + "(SELECT id FROM reviews \(clause)) ORDER BY review_id, version"
        for row in try Row.fetchAll(db, sql: tsql, arguments: args) {
            let (id, t) = try ReviewRows.transition(rowValues(row, count: 13))
            if let i = index[id] { reviews[i].transitions.append(t) }
        }
        return reviews
    }

    static func insertTransition(_ db: Database, _ values: [SQLValue]) throws {
        let stmt = try db.cachedStatement(sql: "INSERT INTO review_transitions (\(ReviewRows.transitionColumns)) "
            + "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
        try stmt.execute(arguments: StatementArguments(values.map(dbValue)))
    }

    static func audit(_ db: Database, at: Int64, operator op: String, action: String, payload: String) throws {
        try db.execute(sql: "INSERT INTO audit_log (at_ms, operator, action, payload) VALUES (?, ?, ?, ?)",
                       arguments: [at, op, action, payload])
    }

    /// The account's metrics read inside the writing transaction: SQLite has one writer, so no
    /// account change can land between these numbers and the review that stores them.
    static func metricsNow(_ db: Database, account: String, prices: PriceState?) throws -> AccountMetrics? {
        guard let a = try loadAccount(db, id: account) else { return nil }
        var market = try loadMarket(db)
        return try AccountMetrics.compute(account: a, market: market.finish(), prices: prices)
    }

    public func openReview(account: String, operator op: String, note: String, prices: PriceState?)
        async throws(StoreError) -> Review {
        let now = Millis.now()
        return try await write { db in
            guard let metrics = try SQLiteStore.metricsNow(db, account: account, prices: prices) else {
                throw StoreError.accountNotFound(account)
            }
            if let active = try Int64.fetchOne(
                db, sql: "SELECT id FROM reviews WHERE account_id = ? AND status IN ('open', 'acknowledged')",
                arguments: [account]) {
                throw StoreError.activeReviewExists(account: account, review: active)
            }
            try db.execute(sql: "INSERT INTO reviews (account_id, status, version, opened_by, opened_at_ms, updated_at_ms) "
                + "VALUES (?, 'open', 1, ?, ?, ?)", arguments: [account, op, now, now])
            let id = db.lastInsertedRowID
            try SQLiteStore.insertTransition(db, ReviewRows.transitionValues(
                review: id, version: 1, status: .open, operator: op, at: now, note: note, metrics: metrics))
            try SQLiteStore.audit(db, at: now, operator: op, action: AuditAction.review(.open),
                                  payload: AuditPayload.review(id: id, account: account, from: nil, to: .open, version: 1,
                                                               note: note, metrics: metrics))
            guard let review = try SQLiteStore.fetchReviews(db, where: "WHERE id = ?", [id]).first else {
                throw StoreError.reviewNotFound(id)
            }
            return review
        }
    }

    public func transitionReview(id: Int64, to next: ReviewStatus, expectedVersion: Int?, operator op: String,
                                 note: String?, prices: PriceState?) async throws(StoreError) -> Review {
        guard let current = try await review(id: id) else { throw .reviewNotFound(id) }
        try ReviewRows.check(current, to: next, expectedVersion: expectedVersion)
        let now = Millis.now()
        let seen = current.version
        return try await write { db in
            let metrics = try SQLiteStore.metricsNow(db, account: current.account, prices: prices)
            try db.execute(sql: "UPDATE reviews SET status = ?, version = version + 1, updated_at_ms = ? "
                + "WHERE id = ? AND version = ?", arguments: [next.rawValue, now, id, seen])
            if db.changesCount == 0 {
                let found = try Int.fetchOne(db, sql: "SELECT version FROM reviews WHERE id = ?", arguments: [id])
                throw StoreError.conflict(review: id, expected: seen, found: found ?? -1)
            }
            try SQLiteStore.insertTransition(db, ReviewRows.transitionValues(
                review: id, version: seen + 1, status: next, operator: op, at: now, note: note, metrics: metrics))
            try SQLiteStore.audit(db, at: now, operator: op, action: AuditAction.review(next),
                                  payload: AuditPayload.review(id: id, account: current.account, from: current.status,
                                                               to: next, version: seen + 1, note: note,
                                                               metrics: metrics))
            guard let review = try SQLiteStore.fetchReviews(db, where: "WHERE id = ?", [id]).first else {
                throw StoreError.reviewNotFound(id)
            }
            return review
        }
    }

    public func review(id: Int64) async throws(StoreError) -> Review? {
        try await read { db in try SQLiteStore.fetchReviews(db, where: "WHERE id = ?", [id]).first }
    }

    public func reviews(status: ReviewStatus?) async throws(StoreError) -> [Review] {
        try await read { db in
            if let status { return try SQLiteStore.fetchReviews(db, where: "WHERE status = ?", [status.rawValue]) }
            return try SQLiteStore.fetchReviews(db, where: "", [])
        }
    }

    public func auditLog(after: Int64) async throws(StoreError) -> [AuditEntry] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT seq, at_ms, operator, action, payload FROM audit_log WHERE seq > ? "
                + "ORDER BY seq", arguments: [after])
                .map { row throws(StoreError) in try ReviewRows.audit(SQLiteStore.rowValues(row, count: 5)) }
        }
    }
}
