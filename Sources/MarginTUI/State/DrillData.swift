import MarginCore
import MarginLive

/// A what-if result, labelled HYPOTHETICAL on screen.
public struct Hypothetical: Sendable, Equatable {
    public var asset: String
    public var move: Double
    public var price: Double
    public var metrics: UnitMetrics
    public var state: AccountState
    public var marginRatio: Double?
}

/// Everything the drill-down shows for one account at one snapshot.
public struct DrillData: Sendable {
    public var version: Int
    public var account: Int
    public var id: String
    public var name: String
    public var model: MarginModel
    public var detail: AccountDetail
    public var collateral: [CollateralBreakdown]
    public var subaccounts: [SubaccountBreakdown]
    public var positions: [PositionBreakdown]
    /// Stress grid: P&L (equity change) per vol scenario (down, flat, up) × price move.
    public static let stressMoves: [Double] = [-0.30, -0.20, -0.10, -0.05, 0, 0.05, 0.10, 0.20, 0.30]
    public static let stressVols: [(label: String, factor: Double)] = [
        ("vol -25%", 0.75), ("vol flat", 1), ("vol +25%", 1.25),
    ]
    public var stress: [[Double]]
    public var stressState: [[AccountState]]
    public var hypothetical: Hypothetical?

    /// The drill-down of account `a` from a snapshot, with a what-if move of `shockSteps` × 5% on `shockAsset`:
    /// the figures of ``MarginBook/breakdown(account:source:prices:stressMoves:stressVolFactors:whatIf:)``, as shown.
    public static func compute(snapshot s: LiveSnapshot, account a: Int, shockAsset: Int?, shockSteps: Int) -> DrillData
    {
        let m = s.marginBook.market
        let whatIf = shockAsset.flatMap { shockSteps != 0 ? (asset: $0, move: Double(shockSteps) * 0.05) : nil }
        let b = s.marginBook.breakdown(
            account: a, source: s.book.accounts[a], prices: s.prices, stressMoves: stressMoves,
            stressVolFactors: stressVols.map(\.factor), whatIf: whatIf)
        let hypo = b.whatIf.map {
            Hypothetical(
                asset: m.assetNames[$0.asset], move: $0.move, price: $0.price, metrics: $0.metrics, state: $0.state,
                marginRatio: $0.marginRatio)
        }
        return DrillData(
            version: s.version, account: a, id: s.accounts.ids[a], name: s.accounts.names[a],
            model: s.accounts.models[a],
            detail: b.detail, collateral: b.collateral, subaccounts: b.subaccounts, positions: b.positions,
            stress: b.stress.map { $0.map(\.equityChange) }, stressState: b.stress.map { $0.map(\.state) },
            hypothetical: hypo)
    }
}

extension LiveSnapshot {
    /// Index of the account with this id (linear; called on user actions, not per frame).
    public func accountIndex(id: String) -> Int? { accounts.ids.firstIndex(of: id) }

    /// The account's figures recomputed now at the snapshot's prices (for a review).
    public func reviewMetrics(account a: Int) -> ReviewMetrics {
        marginBook.reviewMetrics(account: a, prices: prices, at: time)
    }
}
