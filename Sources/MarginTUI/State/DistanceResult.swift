/// Distances to liquidation computed for a ``DistanceRequest`` (`nil`: no move in range liquidates).
public struct DistanceResult: Sendable, Equatable {
    public var accountIds: [String]
    public var values: [Double?]
    /// Version and time of the snapshot they were computed at.
    public var version: Int
    public var time: Double

    public init(accountIds: [String], values: [Double?], version: Int, time: Double) {
        self.accountIds = accountIds
        self.values = values
        self.version = version
        self.time = time
    }
}
