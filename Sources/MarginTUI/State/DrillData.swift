import MarginCore
import MarginLive

/// One collateral line of the drill-down.
public struct CollateralRow: Sendable, Equatable {
    public var subaccount: String
    public var asset: String
    public var venue: String
    public var amount: Double
    public var price: Double
    public var value: Double
    /// Haircut (asset + venue) for a holding, borrow add-on for a borrow.
    public var haircut: Double
    public var weighted: Double
    /// `weighted / adjustedEquity`.
    public var share: Double
}

/// One position line of the drill-down (stand-alone IM/MM of the line alone).
public struct PositionRow: Sendable, Equatable {
    public var instrument: String
    public var subaccount: String
    public var quantity: Double
    public var entry: Double
    public var mark: Double
    public var upnl: Double
    public var im: Double
    public var mm: Double
    public var greeks: Black76.Greeks
    public var isolated: Bool
}

/// A sub-account's stand-alone maintenance margin.
public struct SubaccountRow: Sendable, Equatable {
    public var id: String
    public var standaloneMM: Double
    public var positions: Int
    public var collateralLines: Int
}

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
    public var collateral: [CollateralRow]
    public var subaccounts: [SubaccountRow]
    public var positions: [PositionRow]
    /// Stress grid: P&L (equity change) per vol scenario (down, flat, up) × price move.
    public static let stressMoves: [Double] = [-0.30, -0.20, -0.10, -0.05, 0, 0.05, 0.10, 0.20, 0.30]
    public static let stressVols: [(label: String, factor: Double)] = [("vol -25%", 0.75), ("vol flat", 1), ("vol +25%", 1.25)]
    public var stress: [[Double]]
    public var stressState: [[AccountState]]
    public var hypothetical: Hypothetical?

    /// The drill-down of account `a` from a snapshot, with a what-if move of `shockSteps` × 5% on `shockAsset`:
    /// the figures of ``MarginBook/breakdown(account:source:prices:stressMoves:stressVolFactors:whatIf:)``, as shown.
    public static func compute(snapshot s: LiveSnapshot, account a: Int, shockAsset: Int?, shockSteps: Int) -> DrillData {
        let m = s.marginBook.market
        let whatIf = shockAsset.flatMap { shockSteps != 0 ? (asset: $0, move: Double(shockSteps) * 0.05) : nil }
        let b = s.marginBook.breakdown(account: a, source: s.book.accounts[a], prices: s.prices, stressMoves: stressMoves,
                                       stressVolFactors: stressVols.map(\.factor), whatIf: whatIf)
        let coll = b.collateral.map {
            CollateralRow(subaccount: $0.subaccount, asset: $0.asset, venue: $0.venue ?? "-", amount: $0.amount, price: $0.price,
                          value: $0.value, haircut: $0.haircut, weighted: $0.weighted, share: $0.share)
        }
        let subs = b.subaccounts.map {
            SubaccountRow(id: $0.id, standaloneMM: $0.standaloneMM, positions: $0.positions, collateralLines: $0.collateralLines)
        }
        let positions = b.positions.map {
            PositionRow(instrument: $0.instrument, subaccount: $0.subaccount, quantity: $0.quantity, entry: $0.entryPrice,
                        mark: $0.mark, upnl: $0.unrealizedPnL, im: $0.initialMargin, mm: $0.maintenanceMargin,
                        greeks: $0.greeks, isolated: $0.isolated)
        }
        let hypo = b.whatIf.map {
            Hypothetical(asset: m.assetNames[$0.asset], move: $0.move, price: $0.price, metrics: $0.metrics, state: $0.state,
                         marginRatio: $0.marginRatio)
        }
        return DrillData(version: s.version, account: a, id: s.accounts.ids[a], name: s.accounts.names[a], model: s.accounts.models[a],
                         detail: b.detail, collateral: coll, subaccounts: subs, positions: positions,
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
