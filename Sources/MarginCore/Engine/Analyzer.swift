/// Figures of one account that need the account re-valued at other prices:
/// distance to liquidation, liquidation prices, and the drill-down extras
/// (Greeks, netting benefit, isolated buckets).
public struct AccountDetail: Sendable, Equatable {
    public var metrics: UnitMetrics
    public var state: AccountState
    /// `MM / AE`; `nil` when infinite.
    public var marginRatio: Double?
    public var freeCollateral: Double
    public var distanceToLiquidation: Double?
    /// Per underlying, in asset order.
    public var liquidationPrices: [(asset: String, price: Double)]
    public var greeks: [(asset: String, greeks: Black76.Greeks)]
    public var nettingBenefit: Double
    public var buckets: [BucketDetail]

    public static func == (a: AccountDetail, b: AccountDetail) -> Bool {
        a.metrics == b.metrics && a.state == b.state && a.marginRatio == b.marginRatio
            && a.freeCollateral == b.freeCollateral && a.distanceToLiquidation == b.distanceToLiquidation
            && a.liquidationPrices.map(\.asset) == b.liquidationPrices.map(\.asset)
            && a.liquidationPrices.map(\.price) == b.liquidationPrices.map(\.price)
            && a.greeks.map(\.asset) == b.greeks.map(\.asset) && a.greeks.map(\.greeks) == b.greeks.map(\.greeks)
            && a.nettingBenefit == b.nettingBenefit && a.buckets == b.buckets
    }
}

/// An isolated position's own bucket.
public struct BucketDetail: Sendable, Equatable {
    public var instrument: String
    public var subaccount: String
    public var metrics: UnitMetrics
    public var marginRatio: Double?
    public var state: AccountState
    public var liquidationPrice: Double?
}

/// Re-values single units at shocked prices. Owns scratch quotes, so one
/// analyzer serves one thread.
public final class Analyzer: @unchecked Sendable {
    public let book: MarginBook
    public let base: PriceState
    private let scratch: Quotes
    private let evaluator: Evaluator
    /// Grid steps a side before refining (spec 6: at least 400).
    public static let gridSteps = 400

    public init(book: MarginBook, base: PriceState) {
        self.book = book
        self.base = base
        scratch = Quotes(market: book.market, portfolio: book.usesPortfolio, es: book.usesES)
        evaluator = Evaluator(book: book)
    }

    /// Metrics of unit `u` at `state`.
    public func metrics(_ u: Int, at state: PriceState) -> UnitMetrics {
        scratch.update(
            state, instruments: book.instruments(ofUnit: u), assets: book.collateralAssets(ofUnit: u),
            model: book.model[u])
        return evaluator.evaluate(u, scratch)
    }

    func isLiquidatable(_ u: Int, at state: PriceState) -> Bool {
        let m = metrics(u, at: state)
        return Health.isLiquidatable(adjustedEquity: m.adjustedEquity, maintenanceMargin: m.maintenanceMargin)
    }

    /// Non-stable assets unit `u` rests on: underlyings of its positions, then
    /// its collateral assets, in asset order.
    public func exposedAssets(_ u: Int) -> [Int] { book.exposedAssets(ofUnit: u) }

    /// The signed market move that first liquidates unit `u` (spec 4): 0 when
    /// already liquidatable, `nil` when no move in `[-0.99, 10]` does.
    public func distanceToLiquidation(_ u: Int) -> Double? {
        if isLiquidatable(u, at: base) { return 0 }
        guard !exposedAssets(u).isEmpty else { return nil }
        let liq = { (m: Double) in self.isLiquidatable(u, at: self.base.shockedAll(m, self.book.market)) }
        let steps = Analyzer.gridSteps
        var down: Double?
        var prev = 0.0
        for k in 1...steps {
            let m = -0.99 * Double(k) / Double(steps)
            if liq(m) {
                down = Analyzer.refine(inside: m, outside: prev, liq)
                break
            }
            prev = m
        }
        prev = 0
        var up: Double?
        for k in 1...steps {
            let m = 10 * Double(k) / Double(steps)
            if let d = down, prev > -d { break }
            if liq(m) {
                up = Analyzer.refine(inside: m, outside: prev, liq)
                break
            }
            prev = m
        }
        switch (down, up) {
        case (let d?, let u?): return -d <= u ? d : u
        case (let d?, nil): return d
        case (nil, let u?): return u
        default: return nil
        }
    }

    /// The price of asset `a` nearest the current one at which unit `u`
    /// changes between liquidatable and not, within `[0.01 P, 11 P]`.
    public func liquidationPrice(_ u: Int, asset a: Int) -> Double? {
        let p0 = base.assetPrice[a]
        let m = book.market
        let now = isLiquidatable(u, at: base)
        let flips = { (p: Double) in self.isLiquidatable(u, at: self.base.withPrice(asset: a, p, m)) != now }
        let steps = Analyzer.gridSteps
        var down: Double?
        var prev = p0
        for k in 1...steps {
            let p = p0 - 0.99 * p0 * Double(k) / Double(steps)
            if flips(p) {
                down = Analyzer.refine(inside: p, outside: prev, flips)
                break
            }
            prev = p
        }
        prev = p0
        var up: Double?
        for k in 1...steps {
            let p = p0 + 10 * p0 * Double(k) / Double(steps)
            if let d = down, prev - p0 > p0 - d { break }
            if flips(p) {
                up = Analyzer.refine(inside: p, outside: prev, flips)
                break
            }
            prev = p
        }
        switch (down, up) {
        case (let d?, let u?): return p0 - d <= u - p0 ? d : u
        case (let d?, nil): return d
        case (nil, let u?): return u
        default: return nil
        }
    }

    /// Bisects between a point where `pred` holds and one where it does not, to
    /// full double precision; returns the point where it holds.
    static func refine(inside: Double, outside: Double, _ pred: (Double) -> Bool) -> Double {
        var a = outside
        var b = inside
        for _ in 0..<200 {
            let mid = a + (b - a) / 2
            if mid == a || mid == b { break }
            if pred(mid) { b = mid } else { a = mid }
        }
        return b
    }

    /// Greeks of unit `u`'s positions per underlying, plus spot delta of its non-stable collateral.
    public func greeks(_ u: Int) -> [(asset: Int, greeks: Black76.Greeks)] {
        let m = book.market
        var by: [Int: Black76.Greeks] = [:]
        for (i, net, _) in book.netExposure(ofUnit: u) {
            let a = m.underlying[i]
            var g = by[a] ?? Black76.Greeks()
            if m.kind[i] == .option {
                let f = base.assetPrice[a]
                let og = Black76.greeks(
                    isCall: m.isCall[i], f: f, k: m.strike[i], t: base.yearsToExpiry(i, m),
                    sigma: base.sigma(i, m))
                g.delta += net * og.delta
                g.gamma += net * og.gamma
                g.vega += net * og.vega
                g.theta += net * og.theta
            } else {
                g.delta += net
            }
            by[a] = g
        }
        for (a, amount) in book.collateral(ofUnit: u) where !m.stable[a] {
            var g = by[a] ?? Black76.Greeks()
            g.delta += amount
            by[a] = g
        }
        return by.keys.sorted().map { ($0, by[$0]!) }
    }

    /// Stand-alone maintenance margin of one sub-account's non-isolated
    /// positions under the standard rules (collateral plays no part).
    public func standaloneMM(_ positions: [Position]) -> Double {
        let m = book.market
        var net: [Int: Double] = [:]
        var mm = 0.0
        for p in positions where p.isolatedCollateral == nil {
            guard let i = m.instrumentIndex[p.instrument] else { continue }
            let qcs = p.quantity * m.contractSize[i]
            if m.kind[i] == .option {
                if qcs < 0 { mm += -qcs * m.params.shortOption.mm * base.assetPrice[m.underlying[i]] }
            } else {
                net[i, default: 0] += qcs
            }
        }
        // In instrument order: a dictionary's order changes from run to run, and with it the sum's last bits.
        for i in net.keys.sorted() {
            let n = abs(net[i]!) * base.markPrice(i, m)
            mm += base.volFactor[m.underlying[i]] * m.bracketMargin(instrument: i, notional: n).1
        }
        return mm
    }

    /// The full detail of account `a` (its pooled unit and its buckets); `liquidation`, when
    /// given, is the account's ``BatchAnalyzer`` result at the same prices, and `bucketPrices`
    /// its buckets' liquidation prices in bucket order (else both are computed here by the same
    /// analysis, so every screen shows the same figure).
    public func detail(
        account a: Int, source: Account, liquidation given: LiquidationAnalysis? = nil, bucketPrices: [Double?]? = nil
    ) -> AccountDetail {
        let liquidation = given ?? BatchAnalyzer(book: book).analyze([a], at: base, threads: 1)[0]
        let bucketUnits = Array(book.bucketStart[a]..<book.bucketStart[a + 1])
        let bucketPrices = bucketPrices ?? BatchAnalyzer.bucketPrices(bucketUnits, book: book, at: base, threads: 1)
        let m = book.market
        let metrics = self.metrics(a, at: base)
        let st = Health.state(metrics, m.params)
        let mr = Health.marginRatio(
            adjustedEquity: metrics.adjustedEquity, maintenanceMargin: metrics.maintenanceMargin)
        var benefit = 0.0
        if book.model[a] == .standard {
            let standalone = source.subaccounts.reduce(0.0) { $0 + standaloneMM($1.positions) }
            benefit = standalone - metrics.maintenanceMargin
        }
        var buckets: [BucketDetail] = []
        for (k, u) in bucketUnits.enumerated() {
            let bm = self.metrics(u, at: base)
            let inst = book.bucketInstrument[u - book.accountCount]
            let bmr = Health.marginRatio(adjustedEquity: bm.adjustedEquity, maintenanceMargin: bm.maintenanceMargin)
            let und = m.underlying[inst]
            buckets.append(
                BucketDetail(
                    instrument: m.instrumentNames[inst], subaccount: book.bucketSubaccount[u - book.accountCount],
                    metrics: bm, marginRatio: bmr.isFinite ? bmr : nil, state: Health.state(bm, m.params),
                    liquidationPrice: m.stable[und] ? nil : bucketPrices[k]))
        }
        return AccountDetail(
            metrics: metrics, state: st, marginRatio: mr.isFinite ? mr : nil,
            freeCollateral: metrics.adjustedEquity - metrics.initialMargin,
            distanceToLiquidation: liquidation.distance,
            liquidationPrices: liquidation.prices.map { (m.assetNames[$0.asset], $0.price) },
            greeks: greeks(a).map { (m.assetNames[$0.asset], $0.greeks) },
            nettingBenefit: benefit, buckets: buckets)
    }
}
