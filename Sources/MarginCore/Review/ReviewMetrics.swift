/// An account's figures at one moment of a review: what the review dialog shows and
/// what the store records with every transition.
///
/// Recomputed at that moment (at the latest prices), never copied from the account table.
public struct ReviewMetrics: Sendable, Equatable {
    public var accountId: String
    public var equity: Double
    public var adjustedEquity: Double
    public var initialMargin: Double
    public var maintenanceMargin: Double
    /// `MM / AE`; `nil` when infinite.
    public var marginRatio: Double?
    /// `safe`, `warning`, `danger`, `liquidatable` or `bankrupt` (``AccountState/name``).
    public var state: String
    /// `nil` when no move in range liquidates.
    public var distanceToLiquidation: Double?
    /// When the figures were computed, seconds since the epoch.
    public var computedAt: Double

    public init(
        accountId: String, equity: Double, adjustedEquity: Double, initialMargin: Double,
        maintenanceMargin: Double, marginRatio: Double?, state: String, distanceToLiquidation: Double?,
        computedAt: Double
    ) {
        self.accountId = accountId
        self.equity = equity
        self.adjustedEquity = adjustedEquity
        self.initialMargin = initialMargin
        self.maintenanceMargin = maintenanceMargin
        self.marginRatio = marginRatio
        self.state = state
        self.distanceToLiquidation = distanceToLiquidation
        self.computedAt = computedAt
    }
}
