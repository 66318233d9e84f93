import MarginCore

/// The ``AccountStore`` review and account-write methods, once for both backends (each backend's
/// public methods forward here).
extension SQLStore {
    func sqlOpenReview(account: String, operator op: String, note: String, prices: PriceState?)
        async throws(StoreError) -> Review
    {
        let now = Millis.now(clock)
        do {
            return try await writing { s in
                try await ReviewFlows.open(account: account, operator: op, note: note, prices: prices, at: now, on: s)
            }
        } catch {
            // Two operators opening at once: the partial unique index refuses the second.
            if case .database = error,
                let active = try? await sqlReviews(status: nil).first(where: {
                    $0.account == account && !$0.status.isTerminal
                })
            {
                throw .activeReviewExists(account: account, review: active.id)
            }
            throw error
        }
    }

    func sqlOpenReviews(
        accounts: [String], operator op: String, note: String, prices: PriceState?, confirmed: [ReviewMetrics]
    ) async throws(StoreError) -> [Review] {
        let now = Millis.now(clock)
        do {
            return try await writing { s in
                try await ReviewFlows.open(
                    accounts: accounts, operator: op, note: note, prices: prices, confirmed: confirmed, at: now,
                    on: s)
            }
        } catch {
            // Another operator opened one of them meanwhile: the partial unique index refused it.
            if case .database = error,
                let active = try? await sqlReviews(status: nil).first(where: {
                    accounts.contains($0.account) && !$0.status.isTerminal
                })
            {
                throw .activeReviewExists(account: active.account, review: active.id)
            }
            throw error
        }
    }

    func sqlTransitionReview(
        id: Int64, to next: ReviewStatus, expectedVersion: Int?, operator op: String,
        note: String?, prices: PriceState?
    ) async throws(StoreError) -> Review {
        guard let current = try await sqlReview(id: id) else { throw .reviewNotFound(id) }
        try ReviewRows.check(current, to: next, expectedVersion: expectedVersion)
        let now = Millis.now(clock)
        return try await writing { s in
            try await ReviewFlows.move(current, to: next, operator: op, note: note, prices: prices, at: now, on: s)
        }
    }

    func sqlReview(id: Int64) async throws(StoreError) -> Review? {
        try await reading { s in try await ReviewFlows.fetch(where: "WHERE r.id = ?", [.int(id)], on: s).first }
    }

    func sqlReviews(status: ReviewStatus?) async throws(StoreError) -> [Review] {
        try await reading { s in
            if let status {
                return try await ReviewFlows.fetch(
                    where: "WHERE \(ReviewRows.derivedStatus) = ?", [.text(status.rawValue)], on: s)
            }
            return try await ReviewFlows.fetch(where: "", [], on: s)
        }
    }

    func sqlAuditLog(after: Int64) async throws(StoreError) -> [AuditEntry] {
        try await reading { s in try await ReviewFlows.auditLog(after: after, on: s) }
    }

    func sqlPutAccount(_ account: Account, operator op: String) async throws(StoreError) {
        try await writing { s in try await AccountWrites.put(account, operator: op, at: Millis.now(clock), on: s) }
    }

    func sqlRemoveAccount(id: String, operator op: String) async throws(StoreError) -> Bool {
        try await writing { s in try await AccountWrites.remove(id: id, operator: op, at: Millis.now(clock), on: s) }
    }
}
