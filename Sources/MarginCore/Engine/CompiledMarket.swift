import Foundation

/// The static part of a book's market, indexed for the engine: assets,
/// venues and instruments by position, brackets flattened with their
/// cumulative amounts, history as a dense matrix.
public final class CompiledMarket: Sendable {
    public let assetNames: [String]
    public let assetIndex: [String: Int]
    public let stable: [Bool]
    public let haircut: [Double]
    public let borrowAddOn: [Double]
    /// Annual vol of the asset; `nil` when the book gives none.
    public let vol: [Double?]
    /// Portfolio price scan range; `nil` when the asset is not scanned.
    public let scanRange: [Double?]
    public let volScanRange: [Double]

    public let venueNames: [String]
    public let venueIndex: [String: Int]
    public let venueAddOn: [Double]

    public let instrumentNames: [String]
    public let instrumentIndex: [String: Int]
    public let kind: [InstrumentKind]
    public let underlying: [Int]
    public let contractSize: [Double]
    public let strike: [Double]
    public let isCall: [Bool]
    public let expiry: [Double]
    /// Instruments of each asset (as underlying), for shocks and tick fan-out.
    public let instrumentsOfAsset: [[Int]]

    /// Brackets padded to `bracketStride` per instrument (options: one zero
    /// bracket; padding: open bounds repeating the last rates), so the bracket
    /// of a notional is found without branches.
    public let bracketStride: Int
    /// Upper bound of each bracket; `+inf` for the open last one and the padding.
    let upTo: Column<Double>
    let imf: Column<Double>
    let mmf: Column<Double>
    let cumI: Column<Double>
    let cumM: Column<Double>

    /// Number of history scenarios (0 without history).
    public let historyCount: Int
    /// `returns[a * historyCount + n]`; 0 where the asset has no history.
    let returns: [Double]
    public let hasHistory: [Bool]
    /// `log(1 + returns[a * historyCount + n])` (NaN where the return is at or below -100%):
    /// an option's log-moneyness in a scenario is its current one plus this.
    let logGrowth: [Double]

    public let params: BookDefaults
    public let insuranceFund: Double

    public var assetCount: Int { assetNames.count }
    public var instrumentCount: Int { instrumentNames.count }

    public init(_ book: Book) {
        assetNames = book.assets.map(\.name)
        var ai: [String: Int] = [:]
        for (i, a) in book.assets.enumerated() { ai[a.name] = i }
        assetIndex = ai
        stable = book.assets.map(\.stable)
        haircut = book.assets.map(\.haircut)
        borrowAddOn = book.assets.map(\.borrowAddOn)
        vol = book.assets.map(\.vol)
        scanRange = book.assets.map(\.scanRange)
        volScanRange = book.assets.map { $0.volScanRange ?? 0 }

        venueNames = book.venues.map(\.name)
        var vi: [String: Int] = [:]
        for (i, v) in book.venues.enumerated() { vi[v.name] = i }
        venueIndex = vi
        venueAddOn = book.venues.map(\.haircutAddOn)

        instrumentNames = book.instruments.map(\.name)
        var ii: [String: Int] = [:]
        for (i, inst) in book.instruments.enumerated() { ii[inst.name] = i }
        instrumentIndex = ii
        kind = book.instruments.map(\.kind)
        underlying = book.instruments.map { ai[$0.underlying] ?? 0 }
        contractSize = book.instruments.map(\.contractSize)
        strike = book.instruments.map { $0.strike ?? 0 }
        isCall = book.instruments.map { $0.right == .call }
        expiry = book.instruments.map { $0.expiry?.epochSeconds ?? 0 }
        var ofAsset = Array(repeating: [Int](), count: book.assets.count)
        for (i, u) in underlying.enumerated() { ofAsset[u].append(i) }
        instrumentsOfAsset = ofAsset

        // A multiple of 4 so the bracket search is whole SIMD4 comparisons.
        let longest = max(1, book.instruments.map { $0.kind == .option ? 1 : $0.brackets.count }.max() ?? 1)
        let stride = (longest + 3) / 4 * 4
        bracketStride = stride
        var up: [Double] = []
        var im: [Double] = []
        var mm: [Double] = []
        var ci: [Double] = []
        var cm: [Double] = []
        for inst in book.instruments {
            let brackets = inst.kind == .option ? [Bracket(upTo: nil, imf: 0, mmf: 0)] : inst.brackets
            var cumI = 0.0
            var cumM = 0.0
            for k in 0..<stride {
                guard k < brackets.count else {
                    up.append(.infinity)
                    im.append(im.last ?? 0)
                    mm.append(mm.last ?? 0)
                    ci.append(cumI)
                    cm.append(cumM)
                    continue
                }
                let b = brackets[k]
                if k > 0 {
                    let prev = brackets[k - 1]
                    let bound = prev.upTo ?? 0
                    cumI += bound * (b.imf - prev.imf)
                    cumM += bound * (b.mmf - prev.mmf)
                }
                up.append(b.upTo ?? .infinity)
                im.append(b.imf)
                mm.append(b.mmf)
                ci.append(cumI)
                cm.append(cumM)
            }
        }
        upTo = Column(up)
        imf = Column(im)
        mmf = Column(mm)
        cumI = Column(ci)
        cumM = Column(cm)

        let n = book.history?.dates.count ?? 0
        historyCount = n
        var r = [Double](repeating: 0, count: book.assets.count * n)
        var hh = [Bool](repeating: false, count: book.assets.count)
        for ar in book.history?.returns ?? [] {
            guard let a = ai[ar.asset] else { continue }
            hh[a] = true
            for k in 0..<n { r[a * n + k] = ar.values[k] }
        }
        returns = r
        logGrowth = r.map { $0 > -1 ? log1p($0) : .nan }
        hasHistory = hh
        params = book.defaults
        insuranceFund = book.insuranceFund
    }

    /// Index (into the padded tables) of the bracket of a notional: the first whose bound is `>= n`,
    /// that is the number of bounds below `n`, counted with SIMD comparisons (no branches).
    @inline(__always)
    func bracketIndex(instrument i: Int, notional n: Double) -> Int {
        MarginBook.bracketIndex(upTo: upTo.base, base: i &* bracketStride, stride: bracketStride, notional: n)
    }

    /// Bracket margin `(IM, MM)` of a notional, before the vol factor.
    @inline(__always)
    func bracketMargin(instrument i: Int, notional n: Double) -> (Double, Double) {
        let k = bracketIndex(instrument: i, notional: n)
        return (n * imf[k] - cumI[k], n * mmf[k] - cumM[k])
    }

    /// History return of asset `a` in scenario `n`.
    @inline(__always) func historyReturn(asset a: Int, scenario n: Int) -> Double { returns[a * historyCount + n] }

    /// `log(1 + r)` of asset `a`'s return in scenario `n` (NaN when `r <= -1`).
    @inline(__always) func historyLogGrowth(asset a: Int, scenario n: Int) -> Double {
        logGrowth[a * historyCount + n]
    }
}
