import Foundation
import MarginCore

/// How the live engine keeps every account's distance to liquidation and liquidation prices
/// current (spec 4 and 6), with ``BatchAnalyzer``.
///
/// Each pass analyses the accounts that may be near liquidation (`|distance| < nearBand`,
/// judged at the current prices, see ``AnalysisTable/mayBeNear(_:prices:band:)``), those that
/// changed state since the last pass, and the next chunk of a rotation over the whole book,
/// sized so the rotation covers the book in `cycleSeconds`. In the background an account
/// liquidatable at the live prices is left to the rotation: its distance, 0, is known (the
/// snapshot shows it so, and each pass records it as of the pass); only its liquidation prices
/// wait.
public struct LiveAnalysisConfig: Sendable, Equatable {
    /// Where the passes run.
    public enum Mode: Sendable, Equatable {
        /// On a queue of its own, off the engine's steps: a pass works on a copy of the prices
        /// and the same compiled book, and its results are merged on a later step (dropped when
        /// the book was recompiled meanwhile). Chunks adapt to how long the passes take.
        case background
        /// Inside every step, at the step's prices, with chunks sized by the step's own time:
        /// results never depend on how fast the machine is (deterministic replays, tests).
        case synchronous
        /// No analysis: distances stay unknown.
        case off
    }

    public var mode: Mode = .background
    /// Accounts whose distance may be below this (either way) are re-analysed every pass.
    public var nearBand = 0.10
    /// The rotation aims to cover the whole book in this many seconds, so the oldest analysis
    /// stays under about twice that.
    public var cycleSeconds = 2.5
    /// A rotation chunk is at least this many accounts (a small book is analysed whole every pass).
    public var minChunk = 128
    /// Background: a pass starts at most this often (near accounts are at most about this
    /// plus a pass old).
    public var minPassInterval = 0.1
    /// Background: chunks are capped so a pass lasts about this long at the measured speed;
    /// beyond that the near accounts (oldest first) come before the rotation.
    public var maxPassSeconds = 0.4
    /// Which analyses also search the liquidation price of each exposed asset (several
    /// searches per account, about 3.5 times the distance's work).
    public var liquidationPrices = LiquidationPriceCadence.rotation
    /// Background: a rotation visit searches an account's liquidation prices again only once
    /// they are this many seconds old (never-searched ones at once); other visits renew its
    /// distance alone, so the rotation covers the book about three times as often.
    public var liquidationPriceMaxAge = 15.0
    /// Threads of one pass, by default one per core. In the background they are the pass's own
    /// (``AnalysisPool``), at `nice`: they take the cores when the loop does not need them.
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Background: the nice value of the pass's threads (Linux), so the loop's steps and
    /// snapshots keep their latency when the cores are busy; 0 leaves it at the loop's.
    public var nice: Int32 = 10

    public init() {}
}

/// Which analyses search liquidation prices too.
public enum LiquidationPriceCadence: Sendable, Equatable {
    /// Every analysis.
    case always
    /// The rotation's (and an account's first): near and changed accounts get their distance
    /// at every pass, their liquidation prices once a cycle, like every other account.
    case rotation
    /// None (distances only).
    case never
}

/// Liquidation prices of every account, one slot per exposed asset (non-stable underlyings of
/// its positions and collateral, in asset order), flat: account `a`'s slots are
/// `start[a]..<start[a + 1]`; a slot's `price` is NaN when no price in `[0.01 P, 11 P]` flips
/// the account (or it was not searched yet). `analysedAt[a]` is the time of the prices account
/// `a`'s were searched at (`-.infinity`: not yet); it may be older than its distance's.
public struct LiquidationPriceTable: Sendable {
    public let start: [Int32]
    public let asset: [Int32]
    public internal(set) var price: [Double]
    public internal(set) var analysedAt: [Double]

    /// An empty table (no account has a slot).
    public init() {
        start = [0]
        asset = []
        price = []
        analysedAt = []
    }

    init(start: [Int32], asset: [Int32]) {
        self.start = start
        self.asset = asset
        price = Array(repeating: .nan, count: asset.count)
        analysedAt = Array(repeating: -.infinity, count: start.count - 1)
    }

    /// The liquidation prices of account `a` (asset index, price), in asset order: what
    /// ``BatchAnalyzer`` returns as ``LiquidationAnalysis/prices``.
    public func prices(ofAccount a: Int) -> [LiquidationPrice] {
        guard a >= 0, a + 1 < start.count else { return [] }
        var out: [LiquidationPrice] = []
        for s in Int(start[a])..<Int(start[a + 1]) where !price[s].isNaN {
            out.append(LiquidationPrice(asset: Int(asset[s]), price: price[s]))
        }
        return out
    }
}

/// Every account's latest analysis (columns by account index) for one compiled book.
///
/// A value: a background pass records into its own copy and hands it back whole, so the
/// engine only swaps it in.
public struct AnalysisTable: Sendable {
    /// The ``LiveBook/generation`` of the compiled book the analyses belong to.
    public let generation: Int
    /// When the table was made (the age of an account never analysed counts from here).
    public let createdAt: Double
    /// Signed distance; NaN when no move in range liquidates, or not analysed yet.
    public private(set) var distance: [Double]
    /// Time of the prices each account was analysed at; `-.infinity` when never.
    public private(set) var analysedAt: [Double]
    public private(set) var liquidationPrices: LiquidationPriceTable
    /// Per slot: the asset's index price the account was analysed at (how far it moved since).
    private var basePrice: [Double]
    /// The rotation's order: accounts never analysed first, each part riskiest (highest margin
    /// ratio) first.
    let order: [Int32]

    public var count: Int { distance.count }

    /// A table for `book`, every account unanalysed except those `carried` from an older table
    /// (`carried[a]` = the old index of account `a`, when its analysis still holds).
    init(
        book: MarginBook, generation: Int, now: Double, marginRatio: (Int) -> Double,
        carried: (table: AnalysisTable, from: [Int?])? = nil
    ) {
        let n = book.accountCount
        self.generation = generation
        createdAt = now
        var start = [Int32](repeating: 0, count: n + 1)
        var asset: [Int32] = []
        asset.reserveCapacity(n * 2)
        // `book.exposedAssets(ofUnit:)` (the analysis's order), without a set per account.
        let m = book.market
        var held = [Int](repeating: -1, count: m.assetCount)
        var own: [Int32] = []
        for a in 0..<n {
            own.removeAll(keepingCapacity: true)
            book.forEachHeldAsset(ofUnit: a) { x in
                guard !m.stable[x] && held[x] != a else { return }
                held[x] = a
                own.append(Int32(x))
            }
            own.sort()
            asset.append(contentsOf: own)
            start[a + 1] = Int32(asset.count)
        }
        liquidationPrices = LiquidationPriceTable(start: start, asset: asset)
        basePrice = Array(repeating: .nan, count: asset.count)
        distance = Array(repeating: .nan, count: n)
        analysedAt = Array(repeating: -.infinity, count: n)
        if let (old, from) = carried {
            for a in 0..<n {
                guard let o = from[a] else { continue }
                distance[a] = old.distance[o]
                analysedAt[a] = old.analysedAt[o]
                liquidationPrices.analysedAt[a] = old.liquidationPrices.analysedAt[o]
                let s0 = Int(start[a])
                let o0 = Int(old.liquidationPrices.start[o])
                for k in 0..<Int(start[a + 1]) - s0 {
                    liquidationPrices.price[s0 + k] = old.liquidationPrices.price[o0 + k]
                    basePrice[s0 + k] = old.basePrice[o0 + k]
                }
            }
        }
        // Never analysed first, then margin ratio descending (NaN as infinite), then index: the
        // keys sorted as tuples (no comparison closure over a million accounts).
        var keys = [(UInt8, UInt64, Int32)]()
        keys.reserveCapacity(n)
        for a in 0..<n {
            let r = marginRatio(a)
            keys.append((analysedAt[a] == -.infinity ? 0 : 1, ~KeyOrder.orderedBits(r.isNaN ? .infinity : r), Int32(a)))
        }
        keys.sort { $0 < $1 }
        order = keys.map(\.2)
    }

    /// An empty table (no accounts), until the first real one.
    init() {
        generation = -1
        createdAt = 0
        distance = []
        analysedAt = []
        liquidationPrices = LiquidationPriceTable()
        basePrice = []
        order = []
    }

    /// Records the analyses `results` of `accounts` at `prices`, taken at `time`; their
    /// liquidation prices too when `withPrices` (the results hold them).
    mutating func record(
        _ accounts: [Int], _ results: [LiquidationAnalysis], prices: PriceState, time: Double, withPrices: Bool
    ) {
        for (k, a) in accounts.enumerated() {
            let r = results[k]
            distance[a] = r.distance ?? .nan
            analysedAt[a] = time
            let slots = Int(liquidationPrices.start[a])..<Int(liquidationPrices.start[a + 1])
            for s in slots { basePrice[s] = prices.assetPrice[Int(liquidationPrices.asset[s])] }
            guard withPrices else { continue }
            liquidationPrices.analysedAt[a] = time
            var found = r.prices.makeIterator()
            var next = found.next()
            for s in slots {
                let x = Int(liquidationPrices.asset[s])
                // Both in asset order.
                if let p = next, p.asset == x {
                    liquidationPrices.price[s] = p.price
                    next = found.next()
                } else {
                    liquidationPrices.price[s] = .nan
                }
            }
        }
    }

    /// Records distance 0 for `accounts`, liquidatable at `prices` (taken at `time`): what an
    /// analysis would find there, without a search. Their liquidation prices stay as they were.
    mutating func recordLiquidatable(_ accounts: [Int], prices: PriceState, time: Double) {
        for a in accounts {
            distance[a] = 0
            analysedAt[a] = time
            for s in Int(liquidationPrices.start[a])..<Int(liquidationPrices.start[a + 1]) {
                basePrice[s] = prices.assetPrice[Int(liquidationPrices.asset[s])]
            }
        }
    }

    /// Runs `plan` at `prices` (taken at `time`) and records it; `runner` runs its parallel loops
    /// (the analyzer's own when nil).
    mutating func analyse(
        _ plan: AnalysisPlan, analyzer: BatchAnalyzer, prices: PriceState, time: Double, threads: Int,
        runner: (any ParallelRunner)? = nil
    ) {
        if !plan.full.isEmpty {
            let r = analyzer.analyze(plan.full, at: prices, liquidationPrices: true, threads: threads, runner: runner)
            record(plan.full, r, prices: prices, time: time, withPrices: true)
        }
        if !plan.distanceOnly.isEmpty {
            let r = analyzer.analyze(
                plan.distanceOnly, at: prices, liquidationPrices: false, threads: threads, runner: runner)
            record(plan.distanceOnly, r, prices: prices, time: time, withPrices: false)
        }
    }

    /// Whether account `a` may be within `band` of liquidation at `prices`: its distance,
    /// carried from the prices it was analysed at to these. A uniform move by a factor `g`
    /// turns distance `d` into `(1 + d) / g - 1`; with its assets moved by factors in
    /// `[gLo, gHi]` the distance is taken to lie between those of the extremes. Accounts with
    /// no distance (none in range, never analysed) are not near by this measure.
    public func mayBeNear(_ a: Int, prices: PriceState, band: Double) -> Bool {
        let d = distance[a]
        guard !d.isNaN else { return false }
        if abs(d) < band { return true }
        var lo = 1.0
        var hi = 1.0
        for s in Int(liquidationPrices.start[a])..<Int(liquidationPrices.start[a + 1]) {
            let g = prices.assetPrice[Int(liquidationPrices.asset[s])] / basePrice[s]
            if g < lo { lo = g }
            if g > hi { hi = g }
        }
        guard lo > 0, hi.isFinite else { return true }
        let least = (1 + d) / hi - 1
        let most = (1 + d) / lo - 1
        return least < band && most > -band
    }

    /// The age of account `a`'s analysis at `now` (from the table's creation when never analysed).
    public func age(_ a: Int, now: Double) -> Double {
        now - (analysedAt[a] == -.infinity ? createdAt : analysedAt[a])
    }
}

/// The analysis's freshness at one moment (``LiveEngine/analysisStatus(now:)``).
public struct AnalysisStatus: Sendable, Equatable {
    /// Seconds since the oldest analysis of any account (an account never analysed counts from
    /// when the book was compiled; one liquidatable at the live prices has distance 0 now).
    public var oldestAge = 0.0
    /// The same over the accounts within the near band (liquidatable ones included).
    public var oldestNearAge = 0.0
    public var nearAccounts = 0
    public var neverAnalysed = 0
    /// Seconds the last full rotation took (`nil` before one completes) and the current pace.
    public var lastCycleSeconds: Double?
    public var cycleEstimateSeconds: Double?
    public var passes = 0
    public var lastChunk = 0
    /// Background: measured seconds per analysed account.
    public var secondsPerAccount: Double?

    public init() {}
}
