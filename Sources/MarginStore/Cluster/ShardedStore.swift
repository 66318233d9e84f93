import MarginCore

/// A PostgreSQL store seen by one shard (`watch --shard K/N`): its book holds that shard's
/// accounts only (``PostgresStore/loadBook(shard:)``) and its changes are those of its accounts
/// (and every market change or import, which reload the shard's book). Everything else is the
/// store's.
public final class ShardedStore: AccountStore {
    public let base: PostgresStore
    public let shard: ShardSpec

    public init(_ base: PostgresStore, shard: ShardSpec) {
        self.base = base
        self.shard = shard
    }

    public var url: StoreURL { base.url }

    public func loadBook() async throws(StoreError) -> Book { try await base.loadBook(shard: shard) }
    public func loadMarket() async throws(StoreError) -> Book { try await base.loadMarket() }
    public func loadAccount(id: String) async throws(StoreError) -> Account? { try await base.loadAccount(id: id) }
    public func accountCount() async throws(StoreError) -> Int { try await base.accountCount() }

    @discardableResult
    public func importBook(_ book: Book, operator op: String, checked: Bool) async throws(StoreError)
        -> ImportSummary
    {
        try await base.importBook(book, operator: op, checked: checked)
    }
    public func putAccount(_ account: Account, operator op: String) async throws(StoreError) {
        try await base.putAccount(account, operator: op)
    }
    @discardableResult
    public func removeAccount(id: String, operator op: String) async throws(StoreError) -> Bool {
        try await base.removeAccount(id: id, operator: op)
    }

    /// The store's changes that concern this shard: its accounts' (by id), the market's and imports.
    public func changes() async -> AsyncStream<StoreChange> {
        let upstream = await base.changes()
        let shard = self.shard
        return AsyncStream { continuation in
            let relay = Task {
                for await change in upstream where ShardedStore.concerns(change, shard) { continuation.yield(change) }
                continuation.finish()
            }
            continuation.onTermination = { _ in relay.cancel() }
        }
    }

    static func concerns(_ change: StoreChange, _ shard: ShardSpec) -> Bool {
        switch change {
        case .accountAdded(let a), .accountChanged(let a): return shard.owns(a.id)
        case .accountRemoved(let id): return shard.owns(id)
        case .marketChanged, .bookReplaced: return true
        }
    }

    public func statusUpdates() async -> AsyncStream<StoreStatus> { await base.statusUpdates() }

    public func openReview(account: String, operator op: String, note: String, prices: PriceState?)
        async throws(StoreError) -> Review
    {
        try await base.openReview(account: account, operator: op, note: note, prices: prices)
    }
    public func openReviews(
        accounts: [String], operator op: String, note: String, prices: PriceState?, confirmed: [ReviewMetrics]
    ) async throws(StoreError) -> [Review] {
        try await base.openReviews(accounts: accounts, operator: op, note: note, prices: prices, confirmed: confirmed)
    }
    public func transitionReview(
        id: Int64, to status: ReviewStatus, expectedVersion: Int?, operator op: String, note: String?,
        prices: PriceState?
    ) async throws(StoreError) -> Review {
        try await base.transitionReview(
            id: id, to: status, expectedVersion: expectedVersion, operator: op, note: note, prices: prices)
    }
    public func review(id: Int64) async throws(StoreError) -> Review? { try await base.review(id: id) }
    public func reviews(status: ReviewStatus?) async throws(StoreError) -> [Review] {
        try await base.reviews(status: status)
    }
    public func auditLog(after: Int64) async throws(StoreError) -> [AuditEntry] {
        try await base.auditLog(after: after)
    }
    public func verifyAudit() async throws(StoreError) -> AuditReport { try await base.verifyAudit() }
    public func close() async { await base.close() }
}
