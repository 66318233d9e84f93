import MarginCore

/// Where manual liquidation reviews are kept: the dashboard's effect interface.
/// It speaks the review domain of MarginCore; the account store is adapted to it
/// outside the UI (the UI never imports a store).
///
/// ```swift
/// let ids = try await service.openReviews(accountIds: ["acc-7"], note: "margin call sent",
///                                         operator: "alice", metrics: [m])
/// ```
public protocol ReviewService: Sendable {
    /// Opens one review per account (same note and operator); returns the new review ids in order.
    func openReviews(accountIds: [String], note: String, operator: String, metrics: [ReviewMetrics]) async throws
        -> [Int64]
    /// Every review, newest first.
    func listReviews() async throws -> [Review]
    /// Marks an open review acknowledged, if it is still at `version` (else a conflict error).
    func acknowledge(id: Int64, version: Int, note: String) async throws
    /// Closes a review as liquidated or dismissed, if it is still at `version` (else a conflict error).
    func resolve(id: Int64, version: Int, outcome: ReviewOutcome, note: String) async throws
}

extension Review {
    /// How the dashboard names a review: `rev-000042`.
    public static func label(_ id: Int64) -> String {
        let digits = String(id)
        return "rev-" + String(repeating: "0", count: max(0, 6 - digits.count)) + digits
    }
}
