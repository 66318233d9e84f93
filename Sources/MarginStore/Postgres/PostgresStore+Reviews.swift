import Logging
import MarginCore
import PostgresNIO

extension PostgresStore {
    static let reviewTypes: [ColumnType] = [.int, .text, .text, .int, .text, .int, .int]
    static let transitionTypes: [ColumnType] = [.int, .int, .text, .text, .int, .text, .double, .double, .double,
                                                .double, .double, .text, .double]

    static func fetchReviews(_ conn: PostgresConnection, where clause: String, _ binds: [SQLValue],
                             logger: Logger) async throws -> [Review] {
        var reviews: [Review] = []
        try await rows(conn, "SELECT \(ReviewRows.reviewColumns) FROM reviews \(clause) ORDER BY id DESC", binds,
                       types: reviewTypes, logger: logger) { reviews.append(try ReviewRows.review($0)) }
        guard !reviews.isEmpty else { return [] }
        var index: [Int64: Int] = [:]
        for (i, r) in reviews.enumerated() { index[r.id] = i }
        let sql = "SELECT \(ReviewRows.transitionColumns) FROM review_transitions WHERE review_id IN "
            + "(SELECT id FROM reviews \(clause)) ORDER BY review_id, version"
        try await rows(conn, sql, binds, types: transitionTypes, logger: logger) { v in
            let (id, t) = try ReviewRows.transition(v)
            if let i = index[id] { reviews[i].transitions.append(t) }
        }
        return reviews
    }

    static func insertTransition(_ conn: PostgresConnection, _ values: [SQLValue], logger: Logger) async throws {
        let ph = (1...values.count).map { "$\($0)" }.joined(separator: ", ")
        try await execute(conn, "INSERT INTO review_transitions (\(ReviewRows.transitionColumns)) VALUES (\(ph))",
                          values, logger: logger)
    }

    static func audit(_ conn: PostgresConnection, at: Int64, operator op: String, action: String, payload: String,
                      logger: Logger) async throws {
        try await execute(conn, "INSERT INTO audit_log (at_ms, operator, action, payload) VALUES ($1, $2, $3, $4)",
                          [.int(at), .text(op), .text(action), .text(payload)], logger: logger)
    }

    /// The account's metrics read inside the writing transaction, its row share-locked until
    /// commit, so no account change can land between these numbers and the review that stores them.
    static func metricsNow(_ conn: PostgresConnection, account: String, prices: PriceState?,
                           logger: Logger) async throws -> AccountMetrics? {
        guard try await scalar(conn, "SELECT pk FROM accounts WHERE id = $1 FOR SHARE", [.text(account)],
                               logger: logger) != nil,
              let a = try await loadAccount(conn, id: account, logger: logger) else { return nil }
        var market = try await loadMarket(conn, logger: logger)
        return try AccountMetrics.compute(account: a, market: market.finish(), prices: prices)
    }

    public func openReview(account: String, operator op: String, note: String, prices: PriceState?)
        async throws(StoreError) -> Review {
        let now = Millis.now()
        let log = logger
        do {
            return try await transaction { conn in
                guard let metrics = try await PostgresStore.metricsNow(conn, account: account, prices: prices, logger: log) else {
                    throw StoreError.accountNotFound(account)
                }
                if let active = try await PostgresStore.scalar(
                    conn, "SELECT id FROM reviews WHERE account_id = $1 AND status IN ('open', 'acknowledged')",
                    [.text(account)], logger: log) {
                    throw StoreError.activeReviewExists(account: account, review: active)
                }
                guard let id = try await PostgresStore.scalar(
                    conn, "INSERT INTO reviews (account_id, status, version, opened_by, opened_at_ms, updated_at_ms) "
                        + "VALUES ($1, 'open', 1, $2, $3, $3) RETURNING id",
                    [.text(account), .text(op), .int(now)], logger: log) else {
                    throw StoreError.database("INSERT INTO reviews returned no id")
                }
                try await PostgresStore.insertTransition(conn, ReviewRows.transitionValues(
                    review: id, version: 1, status: .open, operator: op, at: now, note: note, metrics: metrics),
                    logger: log)
                try await PostgresStore.audit(conn, at: now, operator: op, action: AuditAction.review(.open),
                                              payload: AuditPayload.review(id: id, account: account, from: nil, to: .open,
                                                                           version: 1, note: note, metrics: metrics),
                                              logger: log)
                guard let review = try await PostgresStore.fetchReviews(conn, where: "WHERE id = $1", [.int(id)],
                                                                        logger: log).first else {
                    throw StoreError.reviewNotFound(id)
                }
                return review
            }
        } catch {
            // Two operators opening at once: the partial unique index refuses the second.
            if case .database = error, let active = try? await reviews(status: nil).first(where: {
                $0.account == account && !$0.status.isTerminal
            }) {
                throw .activeReviewExists(account: account, review: active.id)
            }
            throw error
        }
    }

    public func transitionReview(id: Int64, to next: ReviewStatus, expectedVersion: Int?, operator op: String,
                                 note: String?, prices: PriceState?) async throws(StoreError) -> Review {
        guard let current = try await review(id: id) else { throw .reviewNotFound(id) }
        try ReviewRows.check(current, to: next, expectedVersion: expectedVersion)
        let now = Millis.now()
        let seen = current.version
        let log = logger
        return try await transaction { conn in
            let metrics = try await PostgresStore.metricsNow(conn, account: current.account, prices: prices, logger: log)
            let updated = try await PostgresStore.scalar(
                conn, "UPDATE reviews SET status = $1, version = version + 1, updated_at_ms = $2 "
                    + "WHERE id = $3 AND version = $4 RETURNING version",
                [.text(next.rawValue), .int(now), .int(id), SQLValue(seen)], logger: log)
            if updated == nil {
                let found = try await PostgresStore.scalar(conn, "SELECT version FROM reviews WHERE id = $1", [.int(id)],
                                                           logger: log)
                throw StoreError.conflict(review: id, expected: seen, found: Int(found ?? -1))
            }
            try await PostgresStore.insertTransition(conn, ReviewRows.transitionValues(
                review: id, version: seen + 1, status: next, operator: op, at: now, note: note, metrics: metrics),
                logger: log)
            try await PostgresStore.audit(conn, at: now, operator: op, action: AuditAction.review(next),
                                          payload: AuditPayload.review(id: id, account: current.account,
                                                                       from: current.status, to: next,
                                                                       version: seen + 1, note: note, metrics: metrics),
                                          logger: log)
            guard let review = try await PostgresStore.fetchReviews(conn, where: "WHERE id = $1", [.int(id)],
                                                                    logger: log).first else {
                throw StoreError.reviewNotFound(id)
            }
            return review
        }
    }

    public func review(id: Int64) async throws(StoreError) -> Review? {
        let log = logger
        return try await withConnection { conn in
            try await PostgresStore.fetchReviews(conn, where: "WHERE id = $1", [.int(id)], logger: log).first
        }
    }

    public func reviews(status: ReviewStatus?) async throws(StoreError) -> [Review] {
        let log = logger
        return try await withConnection { conn in
            if let status {
                return try await PostgresStore.fetchReviews(conn, where: "WHERE status = $1", [.text(status.rawValue)],
                                                            logger: log)
            }
            return try await PostgresStore.fetchReviews(conn, where: "", [], logger: log)
        }
    }

    public func auditLog(after: Int64) async throws(StoreError) -> [AuditEntry] {
        let log = logger
        return try await withConnection { conn in
            var out: [AuditEntry] = []
            try await PostgresStore.rows(conn, "SELECT seq, at_ms, operator, action, payload FROM audit_log "
                + "WHERE seq > $1 ORDER BY seq", [.int(after)], types: [.int, .int, .text, .text, .text],
                logger: log) { out.append(try ReviewRows.audit($0)) }
            return out
        }
    }
}
