import Foundation
import MarginCore

/// Where a review stands.
///
/// Allowed moves: `open → acknowledged`, and from `open` or `acknowledged` to
/// `liquidated` or `dismissed` (resolving without acknowledging first is allowed).
/// `liquidated` and `dismissed` are final.
public enum ReviewStatus: String, Sendable, Equatable, CaseIterable, Codable {
    case open, acknowledged, liquidated, dismissed

    /// Whether no further move is allowed.
    public var isTerminal: Bool { self == .liquidated || self == .dismissed }

    /// Whether a review may move from `self` to `next`.
    public func canMove(to next: ReviewStatus) -> Bool {
        switch (self, next) {
        case (.open, .acknowledged), (.open, .liquidated), (.open, .dismissed),
             (.acknowledged, .liquidated), (.acknowledged, .dismissed):
            return true
        default:
            return false
        }
    }
}

/// How a review ends.
public enum ReviewOutcome: String, Sendable, Equatable, CaseIterable, Codable {
    case liquidated, dismissed
    public var status: ReviewStatus { self == .liquidated ? .liquidated : .dismissed }
}

/// An account's figures at one moment, as stored with a review transition.
public struct AccountMetrics: Sendable, Equatable {
    public var equity: Double
    public var adjustedEquity: Double
    public var initialMargin: Double
    public var maintenanceMargin: Double
    /// `MM / AE`; `nil` when infinite.
    public var marginRatio: Double?
    /// `safe`, `warning`, `danger`, `liquidatable` or `bankrupt`.
    public var state: String
    /// `nil` when no move in range liquidates.
    public var distanceToLiquidation: Double?

    public init(equity: Double, adjustedEquity: Double, initialMargin: Double, maintenanceMargin: Double,
                marginRatio: Double?, state: String, distanceToLiquidation: Double?) {
        self.equity = equity; self.adjustedEquity = adjustedEquity; self.initialMargin = initialMargin
        self.maintenanceMargin = maintenanceMargin; self.marginRatio = marginRatio; self.state = state
        self.distanceToLiquidation = distanceToLiquidation
    }
}

/// One step of a review: who moved it where, when, why, and the account's figures then.
public struct ReviewTransition: Sendable, Equatable {
    public var status: ReviewStatus
    public var `operator`: String
    public var at: Date
    public var note: String?
    /// The account's figures then; `nil` when the account was no longer in the store.
    public var metrics: AccountMetrics?
}

/// An operator's review of an account at risk.
public struct Review: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var account: String
    public var status: ReviewStatus
    /// Grows by one with every transition; writes compare and set it.
    public var version: Int
    public var openedBy: String
    public var openedAt: Date
    public var updatedAt: Date
    /// Every step, the opening first.
    public var transitions: [ReviewTransition]

    /// The notes of every step, in order.
    public var notes: [String] { transitions.compactMap(\.note) }
}

/// One line of the append-only audit log.
public struct AuditEntry: Sendable, Equatable {
    /// Increasing sequence number.
    public var seq: Int64
    public var at: Date
    public var `operator`: String
    /// `import`, `account.put`, `account.remove`, `review.open`, `review.ack`, `review.resolve`.
    public var action: String
    /// A JSON object describing the action.
    public var payload: String
}

/// Audit action names.
enum AuditAction {
    static let importBook = "import"
    static let putAccount = "account.put"
    static let removeAccount = "account.remove"
    static func review(_ status: ReviewStatus) -> String {
        switch status {
        case .open: return "review.open"
        case .acknowledged: return "review.ack"
        case .liquidated, .dismissed: return "review.resolve"
        }
    }
}
