import Foundation

/// A liquidation review's lifecycle state.
public enum ReviewStatus: String, Sendable, Equatable, Codable, CaseIterable {
    case open, acknowledged, liquidated, dismissed
}

/// How an operator closes a review.
public enum ReviewOutcome: String, Sendable, Equatable, Codable, CaseIterable {
    case liquidated, dismissed
}

/// An account's figures at the moment a review is opened (recomputed then, not taken from the table).
public struct ReviewMetrics: Sendable, Equatable, Codable {
    public var accountId: String
    public var equity: Double
    public var adjustedEquity: Double
    public var initialMargin: Double
    public var maintenanceMargin: Double
    /// `nil` when infinite.
    public var marginRatio: Double?
    public var state: String
    public var distanceToLiquidation: Double?
    /// Seconds since the epoch.
    public var computedAt: Double

    public init(accountId: String, equity: Double, adjustedEquity: Double, initialMargin: Double, maintenanceMargin: Double,
                marginRatio: Double?, state: String, distanceToLiquidation: Double?, computedAt: Double) {
        self.accountId = accountId; self.equity = equity; self.adjustedEquity = adjustedEquity
        self.initialMargin = initialMargin; self.maintenanceMargin = maintenanceMargin; self.marginRatio = marginRatio
        self.state = state; self.distanceToLiquidation = distanceToLiquidation; self.computedAt = computedAt
    }
}

/// One review as the queue screen lists it.
public struct ReviewRow: Sendable, Equatable, Codable {
    public var id: String
    public var accountId: String
    public var status: ReviewStatus
    public var `operator`: String
    /// Seconds since the epoch.
    public var openedAt: Double
    public var updatedAt: Double
    /// The latest note (opening, acknowledgement or resolution).
    public var note: String
    /// The review's version as listed: an action on it is refused if someone else moved it on meanwhile.
    public var version: Int

    public init(id: String, accountId: String, status: ReviewStatus, operator: String, openedAt: Double,
                updatedAt: Double, note: String, version: Int = 1) {
        self.id = id; self.accountId = accountId; self.status = status; self.operator = `operator`
        self.openedAt = openedAt; self.updatedAt = updatedAt; self.note = note; self.version = version
    }
}

/// Where manual liquidation reviews are kept. The dashboard only talks to this;
/// the store engineer's SQLite/PostgreSQL store is adapted to it.
///
/// ```swift
/// let ids = try await service.openReviews(accountIds: ["acc-7"], note: "margin call sent",
///                                         operator: "alice", metrics: [m])
/// ```
public protocol ReviewService: Sendable {
    /// Opens one review per account (same note and operator); returns the new review ids in order.
    func openReviews(accountIds: [String], note: String, operator: String, metrics: [ReviewMetrics]) async throws -> [String]
    /// Every review, newest first.
    func listReviews() async throws -> [ReviewRow]
    /// Marks an open review acknowledged, if it is still at `version` (else a conflict error).
    func acknowledge(id: String, version: Int, note: String) async throws
    /// Closes a review as liquidated or dismissed, if it is still at `version` (else a conflict error).
    func resolve(id: String, version: Int, outcome: ReviewOutcome, note: String) async throws
}
