import MarginCore

/// What ``AccountStore/verifyAudit()`` found: the audit chain recomputed row by row, and every
/// review's stored row set against what its transitions and their audit rows say.
///
/// ```swift
/// let report = try await store.verifyAudit()
/// if let first = report.problems.first { print(first) }   // "audit row 5: hash expected …"
/// ```
public struct AuditReport: Sendable, Equatable {
    /// Audit rows checked.
    public var rows: Int
    /// Reviews checked.
    public var reviews: Int
    /// The last row's stored hash (``AuditChain/genesis`` for an empty log): record it elsewhere
    /// to tell later that no row after it was removed.
    public var head: String
    /// Everything wrong, in the order found: the chain by row, then the reviews by id, then audit
    /// rows of reviews that have no such transition.
    public var problems: [AuditProblem]

    public var intact: Bool { problems.isEmpty }

    public init(rows: Int, reviews: Int, head: String, problems: [AuditProblem]) {
        self.rows = rows
        self.reviews = reviews
        self.head = head
        self.problems = problems
    }
}

/// One field of a review whose stored value is not the one its transitions give.
public struct AuditDifference: Sendable, Equatable {
    /// The column of `reviews`: `status`, `version`, `opened_by`, `opened_at_ms`, `updated_at_ms`, `account_id`.
    public var field: String
    public var stored: String
    public var derived: String

    public init(field: String, stored: String, derived: String) {
        self.field = field
        self.stored = stored
        self.derived = derived
    }
}

/// A broken link, an edited or forged row, or a review the trail does not back.
public enum AuditProblem: Sendable, Equatable, CustomStringConvertible {
    /// Row `seq`'s `prev_hash` is not the stored hash of the row before it: a row before it was
    /// removed, inserted or rewritten.
    case brokenLink(seq: Int64, expected: String, found: String)
    /// Row `seq`'s stored hash is not the hash of its columns: the row was edited, or forged.
    case badHash(seq: Int64, expected: String, found: String)
    /// The stored review row disagrees with what its transitions (and their audit rows) say.
    case forgedReview(id: Int64, differences: [AuditDifference])
    /// A review's transitions cannot be replayed (none, a missing version, an illegal move).
    case badTransitions(review: Int64, reason: String)
    /// A transition that no audit row records, or whose audit row says something else.
    case unauditedTransition(review: Int64, version: Int, reason: String)
    /// A review audit row that no transition backs (forged, or its transition removed).
    case unmatchedAudit(seq: Int64, reason: String)

    /// A short name of the kind: `link`, `hash`, `review`, `transitions`, `transition`, `audit`.
    public var kind: String {
        switch self {
        case .brokenLink: return "link"
        case .badHash: return "hash"
        case .forgedReview: return "review"
        case .badTransitions: return "transitions"
        case .unauditedTransition: return "transition"
        case .unmatchedAudit: return "audit"
        }
    }

    public var description: String {
        switch self {
        case .brokenLink(let seq, let expected, let found):
            return "audit row \(seq): prev_hash \(found) is not \(expected), the hash of the row before it "
                + "(a row before it was removed, inserted or rewritten)"
        case .badHash(let seq, let expected, let found):
            return "audit row \(seq): hash expected \(expected) (recomputed from its columns), found \(found) "
                + "(the row was edited or forged)"
        case .forgedReview(let id, let differences):
            let stored = differences.map { "\($0.field) \($0.stored)" }.joined(separator: ", ")
            let derived = differences.map { "\($0.field) \($0.derived)" }.joined(separator: ", ")
            return "review \(id): stored \(stored); its transitions say \(derived)"
        case .badTransitions(let review, let reason):
            return "review \(review): its transitions cannot be replayed: \(reason)"
        case .unauditedTransition(let review, let version, let reason):
            return "review \(review) version \(version): \(reason)"
        case .unmatchedAudit(let seq, let reason):
            return "audit row \(seq): \(reason)"
        }
    }
}
