import MarginCore

/// A store whose reviews and account writes run as shared SQL on sessions of its own:
/// each backend says how a writing transaction and a read are run, the flows do the rest.
protocol SQLStore: Sendable {
    associatedtype Session: SQLSession
    /// Where the store's timestamps come from.
    var clock: any MarginClock { get }
    /// The store's change streams and their watcher.
    var watch: ChangeWatch { get }
    /// Starts the change watcher unless it runs; returns once it has its starting point.
    func startWatcher() async
    /// The import without the codec check (tests use it to make the database fail midway).
    func importUnchecked(_ book: Book, operator: String) async throws(StoreError) -> ImportSummary
    /// The import with the codec check (``AccountCheck/validate(_:)``), all or nothing: by
    /// default the check, then ``importUnchecked(_:operator:)``.
    func importChecked(_ book: Book, operator: String) async throws(StoreError) -> ImportSummary
    /// Runs `body` in one writing transaction, committed before this returns (rolled back on
    /// a throw), with the backend's own guarantees: SQLite's single writer, PostgreSQL's row locks.
    func writing<T: Sendable>(_ body: (Session) async throws -> T) async throws(StoreError) -> T
    /// Runs `body` on a session for reads; each statement sees one consistent state.
    func reading<T: Sendable>(_ body: (Session) async throws -> T) async throws(StoreError) -> T
    /// Runs `body` on a read-only session whose statements all see one and the same state.
    func snapshot<T: Sendable>(_ body: (Session) async throws -> T) async throws(StoreError) -> T
}

extension SQLStore {
    func importChecked(_ book: Book, operator op: String) async throws(StoreError) -> ImportSummary {
        try AccountCheck.validate(book)
        return try await importUnchecked(book, operator: op)
    }
}
