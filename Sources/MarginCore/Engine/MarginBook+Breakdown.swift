/// One collateral line of an account as margined: its value, its haircut and what it counts for.
public struct CollateralBreakdown: Sendable, Equatable {
    public var subaccount: String
    public var asset: String
    public var venue: String?
    public var amount: Double
    public var price: Double
    /// `amount * price`.
    public var value: Double
    /// Asset haircut plus the venue's add-on (at most 1) for a holding; the borrow add-on for a borrow.
    public var haircut: Double
    /// `value * (1 - haircut)` for a holding, `value * (1 + haircut)` for a borrow.
    public var weighted: Double
    /// The line's part of the account's gross weighted collateral (the sum of its holdings' `weighted`):
    /// a holding's shares add up to 1 over the account; a borrow's is negative, the part of that
    /// collateral it offsets (shown apart). `nil` when the account holds no weighted collateral.
    public var share: Double?
}

/// One position line of an account, margined on its own (stand-alone IM and MM of the line alone).
public struct PositionBreakdown: Sendable, Equatable {
    public var instrument: String
    public var subaccount: String
    public var quantity: Double
    public var entryPrice: Double
    /// Black-76 value for an option, the mark for a future or perpetual.
    public var mark: Double
    public var unrealizedPnL: Double
    /// Short options: the short-option IM (premium included); futures: the MM scaled by the bracket's IMF/MMF.
    public var initialMargin: Double
    public var maintenanceMargin: Double
    /// Greeks of the whole line (per-contract Greeks times quantity and contract size).
    public var greeks: Black76.Greeks
    public var isolated: Bool
}

/// A sub-account's stand-alone maintenance margin under the standard rules.
public struct SubaccountBreakdown: Sendable, Equatable {
    public var id: String
    public var standaloneMM: Double
    public var positions: Int
    public var collateralLines: Int
}

/// One point of a stress grid: the account re-valued with every non-stable price moved and vols scaled.
public struct StressPoint: Sendable, Equatable {
    /// Equity at the stressed prices minus equity now.
    public var equityChange: Double
    public var state: AccountState
}

/// An account re-valued with one asset's price moved (a what-if).
public struct WhatIfResult: Sendable, Equatable {
    public var asset: Int
    public var move: Double
    public var price: Double
    public var metrics: UnitMetrics
    public var state: AccountState
    /// `MM / AE`; `nil` when infinite.
    public var marginRatio: Double?
}

/// Everything a drill-down shows of one account: its detail, its lines, a stress grid and a what-if.
public struct AccountBreakdown: Sendable {
    public var detail: AccountDetail
    public var collateral: [CollateralBreakdown]
    public var subaccounts: [SubaccountBreakdown]
    public var positions: [PositionBreakdown]
    /// `stress[v][k]`: vol factor `v`, price move `k`, as asked.
    public var stress: [[StressPoint]]
    public var whatIf: WhatIfResult?
}

extension CompiledMarket {
    /// The haircut of a holding of asset `a` at `venue`: the asset's haircut plus the venue's add-on, at most 1.
    public func haircut(asset a: Int, venue: String?) -> Double {
        min(1, haircut[a] + (venue.flatMap { venueIndex[$0] }.map { venueAddOn[$0] } ?? 0))
    }
}

extension MarginBook {
    /// Non-stable assets unit `u` rests on: underlyings of its positions, then its collateral assets, in asset order.
    public func exposedAssets(ofUnit u: Int) -> [Int] {
        var set = Set(instruments(ofUnit: u).map { market.underlying[$0] })
        set.formUnion(collateralAssets(ofUnit: u))
        return set.filter { !market.stable[$0] }.sorted()
    }

    /// Calls `body` with each asset unit `u` rests on, stable ones too, with repeats: the
    /// underlying of each of its instruments, then each of its collateral assets (no allocation;
    /// ``exposedAssets(ofUnit:)`` is the set of the non-stable ones, sorted).
    @inline(__always)
    public func forEachHeldAsset(ofUnit u: Int, _ body: (Int) -> Void) {
        for k in Int(insStart[u])..<Int(insStart[u + 1]) { body(market.underlying[Int(insInstr[k])]) }
        for k in Int(colStart[u])..<Int(colStart[u + 1]) { body(Int(colAsset[k])) }
    }

    /// Distances to liquidation of `accounts` at `prices`, in order (``BatchAnalyzer``, the one
    /// search every figure comes from: the list, the drill-down, reviews and `snapshot`).
    public func distancesToLiquidation(accounts: [Int], prices: PriceState) -> [Double?] {
        BatchAnalyzer(book: self).analyze(accounts, at: prices, liquidationPrices: false, threads: 1).map(\.distance)
    }

    /// Account `a`'s figures for a review, recomputed at `prices` and stamped `at` (seconds since the epoch).
    public func reviewMetrics(account a: Int, prices: PriceState, at: Double) -> ReviewMetrics {
        let analyzer = Analyzer(book: self, base: prices)
        let um = analyzer.metrics(a, at: prices)
        let mr = Health.marginRatio(adjustedEquity: um.adjustedEquity, maintenanceMargin: um.maintenanceMargin)
        return ReviewMetrics(
            accountId: accountIds[a], equity: um.equity, adjustedEquity: um.adjustedEquity,
            initialMargin: um.initialMargin, maintenanceMargin: um.maintenanceMargin,
            marginRatio: mr.isFinite ? mr : nil, state: Health.state(um, market.params).name,
            distanceToLiquidation: distancesToLiquidation(accounts: [a], prices: prices)[0], computedAt: at)
    }

    /// The drill-down of account `a` (`source` is its book entry) at `prices`: detail, per-line breakdown, a stress
    /// grid over `stressVolFactors` × `stressMoves`, and a what-if of `whatIf.move` (a fraction) on one asset.
    ///
    /// ```swift
    /// let b = marginBook.breakdown(account: 3, source: book.accounts[3], prices: prices,
    ///                              stressMoves: [-0.1, 0, 0.1], stressVolFactors: [1], whatIf: (asset: 0, move: -0.05))
    /// print(b.positions.map(\.initialMargin), b.stress[0][0].equityChange)
    /// ```
    public func breakdown(
        account a: Int, source: Account, prices: PriceState, stressMoves: [Double],
        stressVolFactors: [Double], whatIf: (asset: Int, move: Double)?
    ) -> AccountBreakdown {
        let m = market
        let analyzer = Analyzer(book: self, base: prices)
        let detail = analyzer.detail(account: a, source: source)
        var coll: [CollateralBreakdown] = []
        for sub in source.subaccounts {
            for line in sub.collateral {
                guard let ai = m.assetIndex[line.asset] else { continue }
                let p = prices.assetPrice[ai]
                let value = line.amount * p
                let h: Double
                let weighted: Double
                if line.amount >= 0 {
                    h = m.haircut(asset: ai, venue: line.venue)
                    weighted = value * (1 - h)
                } else {
                    h = m.borrowAddOn[ai]
                    weighted = value * (1 + h)
                }
                coll.append(
                    CollateralBreakdown(
                        subaccount: sub.id, asset: line.asset, venue: line.venue, amount: line.amount,
                        price: p, value: value, haircut: h, weighted: weighted, share: nil))
            }
        }
        let gross = coll.reduce(0) { $1.amount >= 0 ? $0 + $1.weighted : $0 }
        if gross > 0 { for i in coll.indices { coll[i].share = coll[i].weighted / gross } }
        var subs: [SubaccountBreakdown] = []
        var positions: [PositionBreakdown] = []
        for sub in source.subaccounts {
            subs.append(
                SubaccountBreakdown(
                    id: sub.id, standaloneMM: analyzer.standaloneMM(sub.positions),
                    positions: sub.positions.count, collateralLines: sub.collateral.count))
            for p in sub.positions {
                guard let i = m.instrumentIndex[p.instrument] else { continue }
                positions.append(positionLine(p, instrument: i, subaccount: sub.id, prices: prices, analyzer: analyzer))
            }
        }
        var stress: [[StressPoint]] = []
        let e0 = detail.metrics.equity
        for vf in stressVolFactors {
            var base = prices
            base.assetVol = base.assetVol.map { $0 * vf }
            base.iv = base.iv.map { $0.map { $0 * vf } }
            stress.append(
                stressMoves.map { mv in
                    let um = analyzer.metrics(a, at: base.shockedAll(mv, m))
                    return StressPoint(equityChange: um.equity - e0, state: Health.state(um, m.params))
                })
        }
        var result: WhatIfResult?
        if let w = whatIf, w.asset >= 0, w.asset < m.assetCount, !m.stable[w.asset] {
            let p = prices.assetPrice[w.asset] * (1 + w.move)
            let um = analyzer.metrics(a, at: prices.withPrice(asset: w.asset, p, m))
            let mr = Health.marginRatio(adjustedEquity: um.adjustedEquity, maintenanceMargin: um.maintenanceMargin)
            result = WhatIfResult(
                asset: w.asset, move: w.move, price: p, metrics: um, state: Health.state(um, m.params),
                marginRatio: mr.isFinite ? mr : nil)
        }
        return AccountBreakdown(
            detail: detail, collateral: coll, subaccounts: subs, positions: positions, stress: stress,
            whatIf: result)
    }

    /// One position margined alone: short-option IM/MM for options, bracket MM (and IM by the bracket's IMF/MMF)
    /// for futures and perpetuals.
    private func positionLine(
        _ p: Position, instrument i: Int, subaccount: String, prices: PriceState,
        analyzer: Analyzer
    ) -> PositionBreakdown {
        let m = market
        let qcs = p.quantity * m.contractSize[i]
        let f = prices.assetPrice[m.underlying[i]]
        let mark: Double
        var g = Black76.Greeks()
        var im = 0.0
        var mmv = 0.0
        if m.kind[i] == .option {
            let t = prices.yearsToExpiry(i, m)
            let sigma = prices.sigma(i, m)
            mark = Black76.price(isCall: m.isCall[i], f: f, k: m.strike[i], t: t, sigma: sigma)
            let per = Black76.greeks(isCall: m.isCall[i], f: f, k: m.strike[i], t: t, sigma: sigma)
            g = Black76.Greeks(
                delta: per.delta * qcs, gamma: per.gamma * qcs, vega: per.vega * qcs, theta: per.theta * qcs)
            if qcs < 0 {
                let so = m.params.shortOption
                mmv = -qcs * so.mm * f
                im =
                    -qcs * max(so.imBase * f - max(0, m.isCall[i] ? m.strike[i] - f : f - m.strike[i]), so.imFloor * f)
                    + (-qcs) * mark
            }
        } else {
            mark = prices.markPrice(i, m)
            g = Black76.Greeks(delta: qcs)
            mmv = analyzer.standaloneMM([
                Position(instrument: p.instrument, quantity: p.quantity, entryPrice: p.entryPrice)
            ])
            // The bracket the notional falls in (a bound past every bound keeps the last bracket).
            let k = min(m.bracketIndex(instrument: i, notional: abs(qcs) * mark), (i + 1) * m.bracketStride - 1)
            if m.mmf[k] > 0 { im = mmv * m.imf[k] / m.mmf[k] }
        }
        return PositionBreakdown(
            instrument: p.instrument, subaccount: subaccount, quantity: p.quantity,
            entryPrice: p.entryPrice, mark: mark, unrealizedPnL: (mark - p.entryPrice) * qcs,
            initialMargin: im, maintenanceMargin: mmv, greeks: g, isolated: p.isolatedCollateral != nil)
    }
}
