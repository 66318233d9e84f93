import Dispatch
import Foundation

/// Per-instrument values for one ``PriceState``, computed once per price
/// change and shared by every account holding the instrument: unit values,
/// short-option margin per contract, bracket vol factors, and the portfolio
/// (16-scenario) and es (history) risk arrays per unit of each instrument and
/// of each asset held as collateral.
public final class Quotes: @unchecked Sendable {
    public let market: CompiledMarket
    /// Value per unit of `q * cs`: the mark of a perpetual/future, the price of an option.
    let unitValue: Column<Double>
    /// Short-option IM and MM per unit of `|q| * cs` (0 for perpetuals and futures).
    let imShort: Column<Double>
    let mmShort: Column<Double>
    /// Forward (underlying price) per instrument.
    let forward: Column<Double>
    /// Vol factor applied to an instrument's brackets.
    let bracketFactor: Column<Double>
    /// Asset index prices.
    let price: Column<Double>
    /// Portfolio risk arrays: row `r` at `risk[r * 16 ..< r * 16 + 16]`; rows are
    /// instruments then assets (`instrumentCount + a`), count-weighted P&L per unit.
    let risk: Column<Double>
    /// es scenario P&L per unit: row `r` at `hist[r * N ..< (r + 1) * N]`.
    let hist: Column<Double>
    public private(set) var hasPortfolio: Bool
    public private(set) var hasES: Bool

    public static let scenarioCount = 16

    public init(market: CompiledMarket, portfolio: Bool = true, es: Bool = true) {
        self.market = market
        let ni = market.instrumentCount
        let na = market.assetCount
        unitValue = Column(repeating: 0, count: ni)
        imShort = Column(repeating: 0, count: ni)
        mmShort = Column(repeating: 0, count: ni)
        forward = Column(repeating: 0, count: ni)
        bracketFactor = Column(repeating: 1, count: ni)
        price = Column(repeating: 0, count: na)
        risk = Column(repeating: 0, count: portfolio ? (ni + na) * 16 : 0)
        hist = Column(repeating: 0, count: es ? (ni + na) * market.historyCount : 0)
        hasPortfolio = portfolio
        hasES = es && market.historyCount > 0
    }

    /// Recomputes every instrument and asset row for `state`.
    public func update(_ state: PriceState) {
        for a in 0..<market.assetCount { updateAsset(a, state) }
        for i in 0..<market.instrumentCount { updateInstrument(i, state) }
    }

    /// Recomputes only the given instruments and assets (what one account rests on),
    /// and only the scenario arrays of `model` (none for the standard model).
    public func update(
        _ state: PriceState, instruments: some Sequence<Int>, assets: some Sequence<Int>, model: MarginModel? = nil
    ) {
        let p = model.map { $0 == .portfolio } ?? true
        let e = model.map { $0 == .es } ?? true
        for a in assets { updateAsset(a, state, portfolio: p, es: e) }
        for i in instruments { updateInstrument(i, state, portfolio: p, es: e) }
    }

    /// ``update(_:instruments:assets:model:)`` with the instruments split across `threads`
    /// (each writes only its own rows): the analysis prices whole grids of shocked states.
    public func update(
        _ state: PriceState, instruments: [Int], assets: some Sequence<Int>, model: MarginModel?, threads: Int,
        runner: any ParallelRunner = DispatchRunner()
    ) {
        let p = model.map { $0 == .portfolio } ?? true
        let e = model.map { $0 == .es } ?? true
        for a in assets { updateAsset(a, state, portfolio: p, es: e) }
        let n = instruments.count
        let workers = max(1, min(threads, n / 8))
        guard workers > 1 else {
            for i in instruments { updateInstrument(i, state, portfolio: p, es: e) }
            return
        }
        runner.perform(iterations: workers) { w in
            for k in (n * w / workers)..<(n * (w + 1) / workers) {
                updateInstrument(instruments[k], state, portfolio: p, es: e)
            }
        }
    }

    /// The price moves, vol shifts and count fractions of the 16 scenarios for an underlying.
    public static func scenarios(scan s: Double, volScan v: Double, params: PortfolioParams)
        -> [(move: Double, vol: Double, count: Double)]
    {
        (0..<scenarioCount).map { scenario($0, scan: s, volScan: v, params: params) }
    }

    /// Scenario `j` (0-based) of ``scenarios(scan:volScan:params:)``, without building the table.
    @inline(__always)
    static func scenario(_ j: Int, scan s: Double, volScan v: Double, params: PortfolioParams)
        -> (move: Double, vol: Double, count: Double)
    {
        if j >= 14 { return ((j == 14 ? 1 : -1) * params.extremeMultiple * s, 0, params.extremeCover) }
        let moves = (0.0, s / 3, -s / 3, 2 * s / 3, -2 * s / 3, s, -s)
        let m: Double
        switch j / 2 {
        case 0: m = moves.0
        case 1: m = moves.1
        case 2: m = moves.2
        case 3: m = moves.3
        case 4: m = moves.4
        case 5: m = moves.5
        default: m = moves.6
        }
        return (m, j % 2 == 0 ? v : -v, 1)
    }

    func updateAsset(_ a: Int, _ state: PriceState, portfolio: Bool = true, es: Bool = true) {
        let p = state.assetPrice[a]
        price[a] = p
        let row = market.instrumentCount + a
        if hasPortfolio && portfolio {
            if let scan = market.scanRange[a] {
                let (s, v, params) = (scan * state.volFactor[a], market.volScanRange[a], market.params.portfolio)
                for j in 0..<16 {
                    let sc = Quotes.scenario(j, scan: s, volScan: v, params: params)
                    risk[row * 16 + j] = sc.count * p * sc.move
                }
            } else {
                for j in 0..<16 { risk[row * 16 + j] = 0 }
            }
        }
        if hasES && es {
            let n = market.historyCount
            for k in 0..<n { hist[row * n + k] = p * market.historyReturn(asset: a, scenario: k) }
        }
    }

    func updateInstrument(_ i: Int, _ state: PriceState, portfolio: Bool = true, es: Bool = true) {
        let u = market.underlying[i]
        let f = state.assetPrice[u]
        forward[i] = f
        bracketFactor[i] = state.volFactor[u]
        let isOption = market.kind[i] == .option
        let k = market.strike[i]
        let call = market.isCall[i]
        let t = state.yearsToExpiry(i, market)
        let sigma = isOption ? state.sigma(i, market) : 0
        let now: Double
        if isOption {
            now = Black76.price(isCall: call, f: f, k: k, t: t, sigma: sigma)
            let otm = call ? max(k - f, 0) : max(f - k, 0)
            let so = market.params.shortOption
            imShort[i] = max(so.imBase * f - otm, so.imFloor * f)
            mmShort[i] = so.mm * f
        } else {
            now = state.markPrice(i, market)
            imShort[i] = 0
            mmShort[i] = 0
        }
        unitValue[i] = now
        if hasPortfolio && portfolio {
            if let scan = market.scanRange[u] {
                let (s, v, params) = (scan * state.volFactor[u], market.volScanRange[u], market.params.portfolio)
                for j in 0..<16 {
                    let sc = Quotes.scenario(j, scan: s, volScan: v, params: params)
                    let fj = f * (1 + sc.move)
                    let vj: Double
                    if isOption {
                        vj = Black76.price(isCall: call, f: fj, k: k, t: t, sigma: max(0.01, sigma + sc.vol))
                    } else {
                        vj = now * (1 + sc.move)
                    }
                    risk[i * 16 + j] = sc.count * (vj - now)
                }
            } else {
                for j in 0..<16 { risk[i * 16 + j] = 0 }
            }
        }
        if hasES && es {
            let n = market.historyCount
            if isOption && t > 0 && sigma > 0 && f > 0 {
                // One log per option, not per scenario: log(f (1 + r) / k) = log(f / k) + log(1 + r).
                let sd = sigma * t.squareRoot()
                let moneyness = log(f / k)
                for s in 0..<n {
                    let fs = f * (1 + market.historyReturn(asset: u, scenario: s))
                    let lm = moneyness + market.historyLogGrowth(asset: u, scenario: s)
                    hist[i * n + s] = Black76.price(isCall: call, f: fs, k: k, sd: sd, logMoneyness: lm) - now
                }
            } else {
                for s in 0..<n {
                    let r = market.historyReturn(asset: u, scenario: s)
                    let v =
                        isOption ? Black76.price(isCall: call, f: f * (1 + r), k: k, t: t, sigma: sigma) : now * (1 + r)
                    hist[i * n + s] = v - now
                }
            }
        }
    }
}
