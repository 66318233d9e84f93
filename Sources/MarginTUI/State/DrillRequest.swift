import MarginCore
import MarginLive

/// The drill-down figures of one account at one snapshot, asked of Core off the main actor
/// (``Effect/drill(_:)``): the breakdown includes a distance search and the stress grid.
public struct DrillRequest: Sendable, Equatable {
    public var accountId: String
    public var shockAsset: Int?
    public var shockSteps: Int
    public var snapshot: LiveSnapshot

    public init(accountId: String, shockAsset: Int?, shockSteps: Int, snapshot: LiveSnapshot) {
        self.accountId = accountId
        self.shockAsset = shockAsset
        self.shockSteps = shockSteps
        self.snapshot = snapshot
    }

    /// The figures, as the action that stores them (`nil` data: the account left the book).
    public func compute() -> Action {
        let data = snapshot.accountIndex(id: accountId).map {
            DrillData.compute(snapshot: snapshot, account: $0, shockAsset: shockAsset, shockSteps: shockSteps)
        }
        return .drillComputed(accountId: accountId, shockAsset: shockAsset, shockSteps: shockSteps, data)
    }

    /// Same account, what-if and snapshot (by version and time: snapshots are not compared field by field).
    public static func == (a: DrillRequest, b: DrillRequest) -> Bool {
        a.accountId == b.accountId && a.shockAsset == b.shockAsset && a.shockSteps == b.shockSteps
            && a.snapshot.version == b.snapshot.version && a.snapshot.time == b.snapshot.time
    }
}
