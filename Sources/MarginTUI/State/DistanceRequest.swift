import MarginCore
import MarginLive

/// Distances to liquidation wanted for some accounts of a snapshot: a grid search per account,
/// too slow for `reduce` on big books, so the app runs ``compute()`` off the main actor.
public struct DistanceRequest: Sendable, Equatable {
    /// Account indices of `snapshot`.
    public var accounts: [Int]
    public var snapshot: LiveSnapshot

    public init(accounts: [Int], snapshot: LiveSnapshot) {
        self.accounts = accounts
        self.snapshot = snapshot
    }

    /// The distances, as the action that stores them.
    public func compute() -> Action {
        let values = snapshot.marginBook.distancesToLiquidation(accounts: accounts, prices: snapshot.prices)
        return .distancesComputed(
            DistanceResult(
                accountIds: accounts.map { snapshot.accounts.ids[$0] }, values: values,
                version: snapshot.version, time: snapshot.time))
    }

    /// Same accounts of the same snapshot (by version and time: snapshots are not compared field by field).
    public static func == (a: DistanceRequest, b: DistanceRequest) -> Bool {
        a.accounts == b.accounts && a.snapshot.version == b.snapshot.version && a.snapshot.time == b.snapshot.time
    }
}
