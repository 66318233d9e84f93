import MarginCore

/// Everything that can go wrong in a store, with a message fit for an operator: MarginStore's
/// one error type. Every ``AccountStore`` method throws it (typed throws); database and driver
/// errors arrive as ``unreachable(_:)`` or ``database(_:)`` with the server's message.
///
/// ```swift
/// do { _ = try await store.acknowledgeReview(id: 7, expectedVersion: 1, operator: "bob") }
/// catch StoreError.conflict(let review, let expected, let found) { ... }  // moved on meanwhile
/// ```
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The store URL cannot be understood.
    case badURL(String, reason: String)
    /// The database cannot be reached or opened.
    case unreachable(String)
    /// Data that breaks the book's rules (an import or an account of another system).
    case invalidBook(BookError)
    /// No account with this id.
    case accountNotFound(String)
    /// No review with this id.
    case reviewNotFound(Int64)
    /// The move is not allowed from the review's current status.
    case illegalTransition(review: Int64, from: ReviewStatus, to: ReviewStatus)
    /// Someone else changed the review first (compare-and-set on its version failed).
    case conflict(review: Int64, expected: Int, found: Int)
    /// The account already has a review that is not resolved.
    case activeReviewExists(account: String, review: Int64)
    /// Prices given for a market of another shape.
    case pricesMismatch(String)
    /// The database refused or failed.
    case database(String)
    /// A named SQLite store that does not exist (only the default store is created on first use).
    case noStore(path: String)
    /// The store was written by a newer margintop: its schema version is above the one this build knows.
    case schemaTooNew(found: Int, known: Int)
    /// The store's schema is older than this build's and cannot be upgraded (it is open read-only).
    case schemaOutdated(found: Int, known: Int)

    public var description: String {
        switch self {
        case .badURL(let url, let reason): return "bad store URL \"\(url)\": \(reason)"
        case .unreachable(let m): return "store unreachable: \(m)"
        case .invalidBook(let e): return e.description
        case .accountNotFound(let id): return "no account \"\(id)\" in the store"
        case .reviewNotFound(let id): return "no review \(id) in the store"
        case .illegalTransition(let id, let from, let to):
            return "review \(id) is \(from.rawValue): it cannot become \(to.rawValue)"
                + (from.isTerminal ? " (it is resolved)" : "")
        case .conflict(let id, let expected, let found):
            return "review \(id) was changed by someone else (version \(found), you had \(expected)): "
                + "look at it again and retry"
        case .activeReviewExists(let account, let review):
            return "account \"\(account)\" already has review \(review) in progress"
        case .pricesMismatch(let m): return "prices do not fit the stored market: \(m)"
        case .database(let m): return "database error: \(m)"
        case .noStore(let path):
            return "no store at \(path) (create it with `margintop import FILE --store sqlite:\(path)`)"
        case .schemaTooNew(let found, let known):
            return "store schema version \(found) is newer than this margintop's \(known); upgrade margintop"
        case .schemaOutdated(let found, let known):
            return "store schema version \(found) is older than this margintop's \(known) and the store is read-only: "
                + "open it once with write access (import, a review, the dashboard) to upgrade it"
        }
    }
}

/// An error's message for an operator (a ``StoreError``'s own description).
func describe(_ error: any Error) -> String {
    if let e = error as? StoreError { return e.description }
    return String(describing: error)
}
