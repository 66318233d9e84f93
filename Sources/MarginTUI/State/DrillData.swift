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

    /// Computes the drill-down of account `a` from a snapshot, with a what-if move of `shockSteps` × 5% on `shockAsset`.
    public static func compute(snapshot s: LiveSnapshot, account a: Int, shockAsset: Int?, shockSteps: Int) -> DrillData {
        let mb = s.marginBook
        let m = mb.market
        let src = s.book.accounts[a]
        let analyzer = Analyzer(book: mb, base: s.prices)
        let detail = analyzer.detail(account: a, source: src)
        let ae = detail.metrics.adjustedEquity
        var coll: [CollateralRow] = []
        var venueAddOn: [String: Double] = [:]
        for v in s.book.venues { venueAddOn[v.name] = v.haircutAddOn }
        for sub in src.subaccounts {
            for line in sub.collateral {
                guard let ai = m.assetIndex[line.asset] else { continue }
                let p = s.prices.assetPrice[ai]
                let value = line.amount * p
                let h: Double
                let weighted: Double
                if line.amount >= 0 {
                    h = min(1, m.haircut[ai] + (line.venue.flatMap { venueAddOn[$0] } ?? 0))
                    weighted = value * (1 - h)
                } else {
                    h = m.borrowAddOn[ai]
                    weighted = value * (1 + h)
                }
                coll.append(CollateralRow(subaccount: sub.id, asset: line.asset, venue: line.venue ?? "-", amount: line.amount,
                                          price: p, value: value, haircut: h, weighted: weighted,
                                          share: ae != 0 ? weighted / ae : 0))
            }
        }
        var subs: [SubaccountRow] = []
        var positions: [PositionRow] = []
        for sub in src.subaccounts {
            subs.append(SubaccountRow(id: sub.id, standaloneMM: analyzer.standaloneMM(sub.positions),
                                      positions: sub.positions.count, collateralLines: sub.collateral.count))
            for p in sub.positions {
                guard let i = m.instrumentIndex[p.instrument] else { continue }
                let qcs = p.quantity * m.contractSize[i]
                let und = m.underlying[i]
                let f = s.prices.assetPrice[und]
                var mark: Double
                var g = Black76.Greeks()
                var im = 0.0
                var mmv = 0.0
                if m.kind[i] == .option {
                    let t = s.prices.yearsToExpiry(i, m)
                    let sigma = s.prices.sigma(i, m)
                    mark = Black76.price(isCall: m.isCall[i], f: f, k: m.strike[i], t: t, sigma: sigma)
                    let per = Black76.greeks(isCall: m.isCall[i], f: f, k: m.strike[i], t: t, sigma: sigma)
                    g = Black76.Greeks(delta: per.delta * qcs, gamma: per.gamma * qcs, vega: per.vega * qcs, theta: per.theta * qcs)
                    if qcs < 0 {
                        mmv = -qcs * m.params.shortOption.mm * f
                        im = -qcs * max(m.params.shortOption.imBase * f - max(0, m.isCall[i] ? m.strike[i] - f : f - m.strike[i]),
                                        m.params.shortOption.imFloor * f) + (-qcs) * mark
                    }
                } else {
                    mark = s.prices.markPrice(i, m)
                    g = Black76.Greeks(delta: qcs)
                    mmv = analyzer.standaloneMM([Position(instrument: p.instrument, quantity: p.quantity, entryPrice: p.entryPrice)])
                    let notional = abs(qcs) * mark
                    let brackets = s.book.instruments.first { $0.name == p.instrument }?.brackets ?? []
                    if let b = brackets.first(where: { ($0.upTo ?? .infinity) >= notional }) ?? brackets.last, b.mmf > 0 {
                        im = mmv * b.imf / b.mmf
                    }
                }
                positions.append(PositionRow(instrument: p.instrument, subaccount: sub.id, quantity: p.quantity, entry: p.entryPrice,
                                             mark: mark, upnl: (mark - p.entryPrice) * qcs, im: im, mm: mmv, greeks: g,
                                             isolated: p.isolatedCollateral != nil))
            }
        }
        var stress: [[Double]] = []
        var stressState: [[AccountState]] = []
        let e0 = detail.metrics.equity
        for (_, vf) in stressVols {
            var base = s.prices
            base.assetVol = base.assetVol.map { $0 * vf }
            base.iv = base.iv.map { $0.map { $0 * vf } }
            var row: [Double] = []
            var rowState: [AccountState] = []
            for mv in stressMoves {
                let um = analyzer.metrics(a, at: base.shockedAll(mv, m))
                row.append(um.equity - e0)
                rowState.append(Health.state(um, m.params))
            }
            stress.append(row)
            stressState.append(rowState)
        }
        var hypo: Hypothetical?
        if let sa = shockAsset, shockSteps != 0, sa < m.assetCount, !m.stable[sa] {
            let move = Double(shockSteps) * 0.05
            let p = s.prices.assetPrice[sa] * (1 + move)
            let um = analyzer.metrics(a, at: s.prices.withPrice(asset: sa, p, m))
            let mr = Health.marginRatio(adjustedEquity: um.adjustedEquity, maintenanceMargin: um.maintenanceMargin)
            hypo = Hypothetical(asset: m.assetNames[sa], move: move, price: p, metrics: um, state: Health.state(um, m.params),
                                marginRatio: mr.isFinite ? mr : nil)
        }
        return DrillData(version: s.version, account: a, id: s.accounts.ids[a], name: s.accounts.names[a], model: s.accounts.models[a],
                         detail: detail, collateral: coll, subaccounts: subs, positions: positions, stress: stress,
                         stressState: stressState, hypothetical: hypo)
    }
}

extension LiveSnapshot {
    /// Index of the account with this id (linear; called on user actions, not per frame).
    public func accountIndex(id: String) -> Int? { accounts.ids.firstIndex(of: id) }

    /// The account's figures recomputed now at the snapshot's prices (for a review).
    public func reviewMetrics(account a: Int) -> ReviewMetrics {
        let analyzer = Analyzer(book: marginBook, base: prices)
        let um = analyzer.metrics(a, at: prices)
        let mr = Health.marginRatio(adjustedEquity: um.adjustedEquity, maintenanceMargin: um.maintenanceMargin)
        return ReviewMetrics(accountId: accounts.ids[a], equity: um.equity, adjustedEquity: um.adjustedEquity,
                             initialMargin: um.initialMargin, maintenanceMargin: um.maintenanceMargin,
                             marginRatio: mr.isFinite ? mr : nil, state: Health.state(um, marginBook.market.params).name,
                             distanceToLiquidation: analyzer.distanceToLiquidation(a), computedAt: time)
    }
}
