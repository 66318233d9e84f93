import MarginCore

/// A place where the book lives and where operators' decisions are kept.
///
/// Two backends speak it: SQLite (``SQLiteStore``) and PostgreSQL
/// (``PostgresStore``). Open one by URL with ``openStore(_:)``:
///
/// ```swift
/// let store = try await openStore(StoreURL.parse("sqlite:/tmp/m.sqlite"))
/// let changes = await store.changes()      // subscribe first,
/// let book = try await store.loadBook()    // then load: nothing is missed
/// for await change in changes { ... }
/// ```
///
/// Every write is committed before the call returns.
public protocol AccountStore: Sendable {
    /// Where the store lives.
    var url: StoreURL { get }

    /// The whole book: market and every account, in their stored order.
    func loadBook() async throws(StoreError) -> Book
    /// The market only (assets, venues, instruments, parameters, history): `accounts` is empty.
    func loadMarket() async throws(StoreError) -> Book
    /// One account, or `nil` when the store has none with that id.
    func loadAccount(id: String) async throws(StoreError) -> Account?
    /// The number of stored accounts.
    func accountCount() async throws(StoreError) -> Int

    /// Replaces the whole book in one transaction and audits it; all or nothing.
    /// The book is re-checked through the strict codec unless `checked` says the codec
    /// produced it just now (a file decoded by ``BookDecoder``).
    @discardableResult
    func importBook(_ book: Book, operator: String, checked: Bool) async throws(StoreError) -> ImportSummary
    /// Adds an account or replaces the one with the same id (what other systems do all day),
    /// audited as `account.put` by `operator` in the same transaction.
    /// Its assets, venues and instruments must be in the stored market.
    func putAccount(_ account: Account, operator: String) async throws(StoreError)
    /// Removes an account, audited as `account.remove`; `false` when there was none (nothing audited).
    @discardableResult
    func removeAccount(id: String, operator: String) async throws(StoreError) -> Bool

    /// Changes committed by anyone (this process or another) from now on.
    ///
    /// Returns once the watcher has its starting point, so a change committed
    /// after this call returns is delivered. Ends when the store is closed.
    func changes() async -> AsyncStream<StoreChange>
    /// The connection status of the change watcher: the current one first, then each change.
    func statusUpdates() async -> AsyncStream<StoreStatus>

    /// Opens a review of `account`, storing the account's metrics at this moment.
    /// - Parameter prices: current prices (same asset and instrument order as
    ///   the stored market); `nil` uses the stored book's prices.
    func openReview(account: String, operator: String, note: String, prices: PriceState?) async throws(StoreError)
        -> Review
    /// Opens a review of each of `accounts` in one transaction, all or none: when one cannot be
    /// opened (no such account, one in progress) nothing is stored and its error is thrown.
    ///
    /// Each review stores the account's metrics recomputed at commit and, beside them, the
    /// figures the operator confirmed (`confirmed`, matched by ``ReviewMetrics/accountId``; an
    /// account without any stores none).
    /// ```swift
    /// let reviews = try await store.openReviews(
    ///     accounts: ["ACC-1", "ACC-2"], operator: "alice", note: "margin call", prices: live,
    ///     confirmed: dialogMetrics)
    /// ```
    func openReviews(
        accounts: [String], operator: String, note: String, prices: PriceState?, confirmed: [ReviewMetrics]
    ) async throws(StoreError) -> [Review]
    /// Moves a review on (`acknowledged`, `liquidated` or `dismissed`), storing the account's metrics.
    /// - Parameter expectedVersion: the version the caller saw; another version is a
    ///   ``StoreError/conflict(review:expected:found:)``. `nil` takes the current one
    ///   (the write is still compare-and-set against it).
    func transitionReview(
        id: Int64, to status: ReviewStatus, expectedVersion: Int?, operator: String, note: String?,
        prices: PriceState?
    ) async throws(StoreError) -> Review
    /// One review with its transitions, or `nil`.
    func review(id: Int64) async throws(StoreError) -> Review?
    /// Reviews, newest first, optionally of one status. A review's status, version, opener and
    /// times are the ones its transitions give (the append-only record), whatever its stored row
    /// says; ``verifyAudit()`` reports a row that disagrees.
    func reviews(status: ReviewStatus?) async throws(StoreError) -> [Review]
    /// Audit entries in order, those after sequence number `after`.
    func auditLog(after: Int64) async throws(StoreError) -> [AuditEntry]
    /// Checks the audit trail on one consistent read of the store, writing nothing: every row's
    /// link and hash (``AuditChain``), and every review replayed from its transitions against its
    /// stored row and the audit rows that recorded each step.
    func verifyAudit() async throws(StoreError) -> AuditReport

    /// Stops the watchers and closes connections; streams finish.
    func close() async
}

extension AccountStore {
    /// Acknowledges an open review.
    public func acknowledgeReview(
        id: Int64, expectedVersion: Int? = nil, operator: String, note: String? = nil,
        prices: PriceState? = nil
    ) async throws(StoreError) -> Review {
        try await transitionReview(
            id: id, to: .acknowledged, expectedVersion: expectedVersion, operator: `operator`,
            note: note, prices: prices)
    }

    /// Resolves a review as liquidated or dismissed.
    public func resolveReview(
        id: Int64, outcome: ReviewOutcome, expectedVersion: Int? = nil, operator: String,
        note: String? = nil, prices: PriceState? = nil
    ) async throws(StoreError) -> Review {
        try await transitionReview(
            id: id, to: outcome.status, expectedVersion: expectedVersion, operator: `operator`,
            note: note, prices: prices)
    }

    /// Every audit entry.
    public func auditLog() async throws(StoreError) -> [AuditEntry] { try await auditLog(after: 0) }
}

/// What changed in a store.
public enum StoreChange: Sendable, Equatable {
    case accountAdded(Account)
    case accountChanged(Account)
    case accountRemoved(id: String)
    /// Assets, venues, instruments, parameters or history changed: reload the market.
    case marketChanged
    /// The whole book was replaced (an import): reload everything.
    case bookReplaced
}

/// The state of a store's change watcher.
public enum StoreStatus: Sendable, Equatable {
    case connected
    /// Trying again after losing the connection; `attempt` counts from 1.
    case reconnecting(attempt: Int, reason: String)
    /// Not connected; changes are caught up when the connection comes back.
    case down(reason: String)
}

/// What an import stored.
public struct ImportSummary: Sendable, Equatable {
    public var accounts: Int
    public var assets: Int
    public var instruments: Int
    public var auditSeq: Int64
}

extension AccountStore {
    /// ``importBook(_:operator:checked:)`` with the codec check.
    @discardableResult
    public func importBook(_ book: Book, operator: String) async throws(StoreError) -> ImportSummary {
        try await importBook(book, operator: `operator`, checked: false)
    }

    /// An edit by another system (no operator at the keyboard): audited as operator `system`.
    public func putAccount(_ account: Account) async throws(StoreError) {
        try await putAccount(account, operator: "system")
    }

    /// A removal by another system: audited as operator `system`.
    @discardableResult
    public func removeAccount(id: String) async throws(StoreError) -> Bool {
        try await removeAccount(id: id, operator: "system")
    }
}
