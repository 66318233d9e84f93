import Foundation
import MarginCore

/// The simulator's price process, without timing: each ``step()`` advances market time by
/// `dt` and returns one value per series (asset indexes, perpetual/future marks, option ivs).
///
/// - Correlated moves: a one-factor model (market factor, correlation `rho`).
/// - Vol regimes: calm ↔ stressed (vol × 2.5), switching at random.
/// - Fat tails: market-wide and idiosyncratic jumps, more frequent when stressed.
/// - Marks drift around the index: a mean-reverting basis (perpetuals around 0, futures a small premium).
/// - Option ivs follow each underlying's realised vol (EWMA), mean-reverting to the base iv.
/// - Stable assets never move.
/// - ``Preset/normal``: prices mean-revert around the universe's (half-life 6 market hours), so
///   a long session stays near the book; ``Preset/crash`` starts stressed and does not revert.
/// Deterministic for a given universe, seed, `dt` and preset.
public struct SimMarket: Sendable {
    /// The kind of market simulated.
    public enum Preset: Sendable, Equatable {
        /// A normal day: mean-reverting prices, calm regime at the start.
        case normal
        /// Stressed from the start, no reversion: jumps, mostly down.
        case crash
    }

    public struct Series: Sendable, Equatable {
        public var symbol: String
        public var kind: PriceKind
    }

    public let universe: SimUniverse
    /// The series in the order ``step()`` returns their values.
    public let series: [Series]
    /// Market seconds per step.
    public let dt: Double

    public var rho = 0.6
    public let preset: Preset
    /// Mean-reversion speed of log prices towards their start, per market second (0 = none).
    public let reversion: Double
    /// Realised vol as a share of each asset's `annualVol` in the calm regime: a normal day
    /// trades below the vol a margin model is set with (0.6), so the live vol factor (spec 5)
    /// stays near 1 instead of swinging margins by a fifth on estimation noise.
    public let volScale: Double
    private var rng: SplitMix64
    private let startLogPrice: [Double]
    private var logPrice: [Double]
    private var realisedVar: [Double]
    private var stressed = false
    private var basis: [Double]
    private var ivs: [Double]
    // Series layout helpers.
    private let assetSeries: [Int]
    private let instrumentUnderlying: [Int]

    static let secondsPerYear = 365.25 * 86400

    public static let reversionHalfLife = 6 * 3600.0

    public init(universe: SimUniverse, seed: UInt64, dt: Double, preset: Preset = .normal) {
        self.universe = universe
        self.dt = max(dt, 1e-6)
        self.preset = preset
        self.rng = SplitMix64(seed: seed ^ SplitMix64.gamma)
        reversion = preset == .crash ? 0 : log(2) / Self.reversionHalfLife
        let volScale = preset == .crash ? 1 : 0.6
        self.volScale = volScale
        stressed = preset == .crash
        logPrice = universe.assets.map { log($0.price) }
        startLogPrice = logPrice
        realisedVar = universe.assets.map { ($0.annualVol * volScale) * ($0.annualVol * volScale) }
        var series = universe.assets.map { Series(symbol: $0.symbol, kind: .index) }
        assetSeries = Array(universe.assets.indices)
        var underlying: [Int] = []
        var basis: [Double] = []
        var ivs: [Double] = []
        for instrument in universe.instruments {
            let u = universe.assets.firstIndex { $0.symbol == instrument.underlying } ?? 0
            underlying.append(u)
            basis.append(instrument.kind == .future ? 0.002 : 0)
            ivs.append(instrument.iv ?? max(universe.assets.isEmpty ? 0.5 : universe.assets[u].annualVol, 0.05))
            series.append(Series(symbol: instrument.symbol, kind: instrument.kind == .option ? .iv : .mark))
        }
        instrumentUnderlying = underlying
        self.basis = basis
        self.ivs = ivs
        self.series = series
    }

    /// Current index price of asset `i`.
    public func price(ofAsset i: Int) -> Double { exp(logPrice[i]) }

    /// Whether the market is in its stressed regime.
    public var isStressed: Bool { stressed }

    /// Advances by `dt` and returns the value of every series, in ``series`` order.
    public mutating func step() -> [Double] {
        var out = [Double]()
        out.reserveCapacity(series.count)
        step(into: &out)
        return out
    }

    /// Advances by `dt`, writing the value of every series into `out` (cleared first).
    public mutating func step(into out: inout [Double]) {
        out.removeAll(keepingCapacity: true)
        let years = dt / Self.secondsPerYear
        let days = dt / 86400
        // Regime switches: calm lasts ~2 days, stress ~6 hours on average.
        let switchProbability = stressed ? days * 4 : days * 0.5
        // The crash preset stays stressed.
        if rng.nextUnit() < switchProbability && preset == .normal { stressed.toggle() }
        let volMultiplier = stressed ? 2.5 : 1
        // Market-wide jump: ~1 a day calm, ~4 a day stressed; mostly down.
        var marketJump = 0.0
        if rng.nextUnit() < days * (stressed ? 4 : 1) {
            marketJump = -0.01 + 0.03 * rng.nextNormal()
        }
        let z = rng.nextNormal()
        let sqrtRho = rho.squareRoot()
        let sqrtOneMinusRho = (1 - rho).squareRoot()
        for (i, asset) in universe.assets.enumerated() where !asset.stable {
            let sigma = asset.annualVol * volScale * volMultiplier
            var r =
                sigma * years.squareRoot() * (sqrtRho * z + sqrtOneMinusRho * rng.nextNormal()) - 0.5 * sigma * sigma
                * years
            // Jumps scale with the asset's vol relative to a 60 % reference.
            r += marketJump * asset.annualVol / 0.6
            if rng.nextUnit() < days * 0.5 { r += 0.02 * rng.nextNormal() * asset.annualVol / 0.6 }
            r = min(max(r, -0.5), 0.5)
            // Ornstein-Uhlenbeck pull towards the start price (exact for the step).
            let pull = (1 - exp(-reversion * dt)) * (startLogPrice[i] - logPrice[i])
            logPrice[i] += r + pull
            // Realised variance: EWMA with a ~1 h market half-life.
            let lambda = exp(-dt / 5200)
            realisedVar[i] = lambda * realisedVar[i] + (1 - lambda) * (r * r / years)
        }
        for i in assetSeries {
            out.append(universe.assets[i].stable ? universe.assets[i].price : exp(logPrice[i]))
        }
        for (j, instrument) in universe.instruments.enumerated() {
            let u = instrumentUnderlying[j]
            let index =
                universe.assets.isEmpty ? 1 : (universe.assets[u].stable ? universe.assets[u].price : exp(logPrice[u]))
            switch instrument.kind {
            case .perpetual, .future:
                // Ornstein-Uhlenbeck basis, half-life ~10 min, a few bp of noise.
                let target = instrument.kind == .future ? 0.002 : 0
                let kappa = 1 - exp(-dt / 900)
                basis[j] += kappa * (target - basis[j]) + 0.0004 * (dt / 60).squareRoot() * rng.nextNormal()
                basis[j] = min(max(basis[j], -0.05), 0.05)
                out.append(index * (1 + basis[j]))
            case .option:
                let asset = universe.assets.isEmpty ? nil : universe.assets[u]
                let baseVol = max(asset?.annualVol ?? 0.5, 0.05)
                let base = instrument.iv ?? baseVol
                let realised = realisedVar.isEmpty ? baseVol : realisedVar[u].squareRoot()
                // Iv leans towards realised vol (scaled to this option's level), then reverts.
                let target = base * pow(max(realised, 0.01) / (baseVol * volScale), 0.6)
                let kappa = 1 - exp(-dt / 1800)
                ivs[j] += kappa * (target - ivs[j]) + 0.002 * (dt / 60).squareRoot() * rng.nextNormal()
                ivs[j] = min(max(ivs[j], 0.05), 5)
                out.append(ivs[j])
            }
        }
    }
}
