import MarginCore

/// A store whose reviews, account writes and change streams are shared by ``SQLiteStore`` and
/// ``PostgresStore``: this extension is their ``AccountStore`` implementation of those methods,
/// written once.
public protocol SQLBackedStore: AccountStore {
    /// The backend the shared flows run on (plumbing: opaque outside MarginStore).
    var sqlBackend: SQLBackend { get }
}

/// The backend of a ``SQLBackedStore``, as the shared flows see it; nothing in it is public.
public struct SQLBackend: Sendable {
    let store: any SQLStore
}

extension SQLBackedStore {
    @discardableResult
    public func importBook(_ book: Book, operator op: String, checked: Bool) async throws(StoreError) -> ImportSummary {
        if !checked { return try await sqlBackend.store.importChecked(book, operator: op) }
        return try await sqlBackend.store.importUnchecked(book, operator: op)
    }

    public func changes() async -> AsyncStream<StoreChange> {
        let stream = sqlBackend.store.watch.changes.subscribe()
        await sqlBackend.store.startWatcher()
        return stream
    }

    public func statusUpdates() async -> AsyncStream<StoreStatus> {
        let stream = sqlBackend.store.watch.status.subscribe()
        await sqlBackend.store.startWatcher()
        return stream
    }

    public func openReview(account: String, operator op: String, note: String, prices: PriceState?)
        async throws(StoreError) -> Review
    {
        try await sqlBackend.store.sqlOpenReview(account: account, operator: op, note: note, prices: prices)
    }

    public func openReviews(
        accounts: [String], operator op: String, note: String, prices: PriceState?, confirmed: [ReviewMetrics]
    ) async throws(StoreError) -> [Review] {
        try await sqlBackend.store.sqlOpenReviews(
            accounts: accounts, operator: op, note: note, prices: prices, confirmed: confirmed)
    }

    public func transitionReview(
        id: Int64, to next: ReviewStatus, expectedVersion: Int?, operator op: String,
        note: String?, prices: PriceState?
    ) async throws(StoreError) -> Review {
        try await sqlBackend.store.sqlTransitionReview(
            id: id, to: next, expectedVersion: expectedVersion,
            operator: op, note: note, prices: prices)
    }

    public func review(id: Int64) async throws(StoreError) -> Review? { try await sqlBackend.store.sqlReview(id: id) }

    public func reviews(status: ReviewStatus?) async throws(StoreError) -> [Review] {
        try await sqlBackend.store.sqlReviews(status: status)
    }

    public func auditLog(after: Int64) async throws(StoreError) -> [AuditEntry] {
        try await sqlBackend.store.sqlAuditLog(after: after)
    }

    public func verifyAudit() async throws(StoreError) -> AuditReport {
        try await sqlBackend.store.snapshot { s in try await AuditVerifier.run(on: s) }
    }

    public func putAccount(_ account: Account, operator op: String) async throws(StoreError) {
        try await sqlBackend.store.sqlPutAccount(account, operator: op)
    }

    @discardableResult
    public func removeAccount(id: String, operator op: String) async throws(StoreError) -> Bool {
        try await sqlBackend.store.sqlRemoveAccount(id: id, operator: op)
    }
}
