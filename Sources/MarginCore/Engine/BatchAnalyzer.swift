import Dispatch
import Foundation

/// Distance to liquidation and liquidation prices (spec 4 and 6) of one account.
public struct LiquidationAnalysis: Sendable, Equatable {
    /// The signed market move that first liquidates the account: 0 when it already is,
    /// `nil` when no move in `[-0.99, 10]` does.
    public var distance: Double?
    /// Per exposed underlying in asset order, those with a price in `[0.01 P, 11 P]`.
    public var prices: [LiquidationPrice]

    public init(distance: Double?, prices: [LiquidationPrice] = []) {
        self.distance = distance
        self.prices = prices
    }
}

/// The price of asset `asset` nearest the current one at which an account changes between
/// liquidatable and not.
public struct LiquidationPrice: Sendable, Equatable {
    public var asset: Int
    public var price: Double

    public init(asset: Int, price: Double) {
        self.asset = asset
        self.price = price
    }
}

/// Distance to liquidation and liquidation prices of many accounts at once, with the results
/// of the per-account grid search of ``Analyzer`` (400 steps a side, nearest crossing, refined
/// by bisection to full precision, downside and lower price winning ties).
///
/// Fast where the numbers allow:
/// - An account without options (pooled perpetuals, futures and collateral) is linear in the
///   move: `AE(s) = a0 + a1 s` and `MM(s) = m0 + m1 s + sum f (N s mmf_k - cumM_k)` with
///   `s = 1 + m`, read once from the book and the prices. The search evaluates that closed
///   form (a few multiply-adds per instrument) instead of re-pricing the account.
/// - Its `AE - MM` is concave when each instrument's bracket rates do not fall (MM is convex in
///   the notional; portfolio scanning risk and es shortfall of linear positions scale with `s`),
///   so from a point that is not liquidatable the predicate is monotone along each direction:
///   the first liquidating grid step is found by bisecting the step index (about 9 evaluations
///   instead of 400), which proves no crossing was skipped. Otherwise every step is scanned.
/// - Accounts with options, and es liquidation prices (scenario losses of two assets do not
///   separate), are searched grid step by grid step across accounts (`BatchAnalyzer+Grid.swift`).
/// - Accounts are split across `threads` workers, each with its own scratch space (the linear
///   model's term arrays are reused from one account to the next).
public final class BatchAnalyzer: Sendable {
    public let book: MarginBook
    /// Per instrument: bracket MM rates never fall (so MM is convex in the notional).
    private let convex: [Bool]
    /// Where the parallel loops run.
    let runner: any ParallelRunner

    public init(book: MarginBook) {
        self.book = book
        runner = DispatchRunner()
        let m = book.market
        convex = (0..<m.instrumentCount).map { i in
            var last = -Double.infinity
            for k in 0..<m.bracketStride {
                let r = m.mmf[i * m.bracketStride + k]
                if r < last { return false }
                last = r
            }
            return true
        }
    }

    /// The same analyzer with its parallel loops on `runner`.
    private init(_ other: BatchAnalyzer, runner: any ParallelRunner) {
        book = other.book
        convex = other.convex
        self.runner = runner
    }

    /// The workers a batch uses by default: one per active core.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }

    /// Analyses `accounts` (pooled units, or isolated buckets) at `prices`, in order.
    /// `liquidationPrices: false` computes distances only (the live path's rotation);
    /// `distances: false` liquidation prices only (isolated buckets), leaving `distance` nil.
    /// `runner` runs the parallel loops (by default the analyzer's own, Dispatch's pool).
    public func analyze(
        _ accounts: [Int], at prices: PriceState, liquidationPrices: Bool = true, distances: Bool = true,
        threads: Int = BatchAnalyzer.defaultThreads, runner: (any ParallelRunner)? = nil
    ) -> [LiquidationAnalysis] {
        if let runner {
            return BatchAnalyzer(self, runner: runner).analyze(
                accounts, at: prices, liquidationPrices: liquidationPrices, distances: distances, threads: threads)
        }
        guard !accounts.isEmpty else { return [] }
        let n = accounts.count
        // Pass 1, per account: the base state and everything the linear model settles.
        let worker = { @Sendable in Worker(self, prices) }
        let partial = parallelMap(n, threads: n < 64 ? 1 : threads, runner: self.runner, context: worker) { worker, k in
            worker.analyze(accounts[k], liquidationPrices: liquidationPrices)
        }
        var result = partial.map { LiquidationAnalysis(distance: distances ? $0.distance : nil) }
        // Passes 2 and 3, grid point by grid point across the accounts the closed form cannot
        // take: one search per model for distances and one per asset and model for prices.
        var jobs: [GridJob] = []
        for model in MarginModel.allCases {
            let slots = (0..<n).filter { distances && partial[$0].distancePending && book.model[accounts[$0]] == model }
            if !slots.isEmpty { jobs.append(GridJob(model: model, asset: nil, slots: slots.map { ($0, 0) })) }
        }
        if liquidationPrices {
            for a in 0..<book.market.assetCount {
                for model in MarginModel.allCases {
                    var slots: [(k: Int, slot: Int)] = []
                    for k in 0..<n where book.model[accounts[k]] == model {
                        for (slot, entry) in partial[k].prices.enumerated() where entry.asset == a && entry.pending {
                            slots.append((k, slot))
                        }
                    }
                    if !slots.isEmpty { jobs.append(GridJob(model: model, asset: a, slots: slots)) }
                }
            }
        }
        let values = runGridJobs(jobs, accounts: accounts, partial: partial, base: prices, threads: threads)
        var found = partial.map { p in p.prices.map { $0.price } }
        for (job, out) in zip(jobs, values) {
            for (w, v) in zip(job.slots, out) {
                if job.asset == nil { result[w.k].distance = v } else { found[w.k][w.slot] = v }
            }
        }
        guard liquidationPrices else { return result }
        for k in 0..<n {
            result[k].prices = zip(partial[k].prices, found[k]).compactMap { e, p in
                p.map { LiquidationPrice(asset: e.asset, price: $0) }
            }
        }
        return result
    }

    /// The liquidation price of each isolated bucket in `units` (spec 6: its underlying's price
    /// at which `AE_iso = MM_iso` nearest the current one), `nil` when none is in range.
    public static func bucketPrices(_ units: [Int], book: MarginBook, at prices: PriceState, threads: Int)
        -> [Double?]
    {
        let m = book.market
        let found = BatchAnalyzer(book: book).analyze(units, at: prices, distances: false, threads: threads)
        return zip(units, found).map { u, f in
            let und = m.underlying[book.bucketInstrument[u - book.accountCount]]
            return f.prices.first { $0.asset == und }?.price
        }
    }

    /// One grid search: the distances (`asset == nil`) or the liquidation prices of `asset` of
    /// the accounts at `slots` (their index in the batch, and the slot of the asset in their
    /// prices), all of `model`.
    struct GridJob: Sendable {
        var model: MarginModel
        var asset: Int?
        var slots: [(k: Int, slot: Int)]
        /// Relative cost, to start the longest searches first.
        var cost: Int { slots.count * (model == .es ? 16 : model == .portfolio ? 4 : 1) }
    }

    /// Runs `jobs`, side by side on `threads` (each search on one thread) when there are at
    /// least as many searches as threads, else one after the other with `threads` each.
    func runGridJobs(
        _ jobs: [GridJob], accounts: [Int], partial: [Partial], base: PriceState, threads: Int
    ) -> [[Double?]] {
        let run = { @Sendable (job: GridJob, threads: Int) -> [Double?] in
            let units = job.slots.map { accounts[$0.k] }
            guard let a = job.asset else {
                return self.gridDistances(units, model: job.model, base: base, threads: threads)
            }
            return self.gridPrices(
                units, asset: a, model: job.model, now: job.slots.map { partial[$0.k].liquidatableNow }, base: base,
                threads: threads)
        }
        guard threads > 1, jobs.count >= threads else { return jobs.map { run($0, threads) } }
        let order = jobs.indices.sorted { jobs[$0].cost > jobs[$1].cost }
        let out = UnsafeMutablePointer<[Double?]>.allocate(capacity: jobs.count)
        let shared = SendablePointer(out)
        // The runner hands the next search to whichever thread is free.
        runner.perform(iterations: jobs.count) { k in
            let j = order[k]
            (shared.pointer + j).initialize(to: run(jobs[j], 1))
        }
        let result = Array(UnsafeBufferPointer(start: out, count: jobs.count))
        out.deinitialize(count: jobs.count)
        out.deallocate()
        return result
    }

    /// What pass 1 settles for one account; `pending` parts go to the grid search.
    struct Partial: Sendable {
        var distance: Double?
        var distancePending = false
        var liquidatableNow = false
        var prices: [(asset: Int, price: Double?, pending: Bool)] = []
    }

    /// One thread's scratch: the fallback analyzer and the linear model's terms.
    final class Worker {
        let owner: BatchAnalyzer
        let book: MarginBook
        let base: PriceState
        let evaluator: Evaluator
        let quotes: Quotes
        var model = LinearModel()
        var liquidatableNow = false

        init(_ owner: BatchAnalyzer, _ base: PriceState) {
            self.owner = owner
            book = owner.book
            self.base = base
            evaluator = Evaluator(book: owner.book)
            quotes = Quotes(market: owner.book.market, portfolio: owner.book.usesPortfolio, es: owner.book.usesES)
            quotes.update(base)
        }

        func analyze(_ u: Int, liquidationPrices: Bool) -> Partial {
            let m = evaluator.evaluate(u, quotes)
            liquidatableNow = Health.isLiquidatable(
                adjustedEquity: m.adjustedEquity, maintenanceMargin: m.maintenanceMargin)
            let linear = isLinear(u, metrics: m)
            var out = Partial(liquidatableNow: liquidatableNow)
            let exposed = book.exposedAssets(ofUnit: u)
            if liquidatableNow {
                out.distance = 0
            } else if exposed.isEmpty {
                out.distance = nil
            } else if linear {
                out.distance = linearDistance(u)
            } else {
                out.distancePending = true
            }
            guard liquidationPrices else { return out }
            for a in exposed {
                if linear && book.model[u] != .es {
                    out.prices.append((a, linearPrice(u, asset: a), false))
                } else {
                    out.prices.append((a, nil, true))
                }
            }
            return out
        }

        // MARK: - The linear model

        /// `AE(s) = a0 + a1 s`, `MM(s) = m0 + m1 s + sum f (N s mmf_k - cumM_k)`.
        struct LinearModel {
            var a0 = 0.0
            var a1 = 0.0
            var m0 = 0.0
            var m1 = 0.0
            var instrument: [Int] = []
            var factor: [Double] = []
            var notional: [Double] = []
            var concave = true
        }

        /// Whether unit `u` is linear in every price (no options; portfolio and es rows all on
        /// assets that move, or that carry no scenario risk).
        func isLinear(_ u: Int, metrics: UnitMetrics) -> Bool {
            let b = book
            let mk = b.market
            guard metrics.adjustedEquity.isFinite, metrics.maintenanceMargin.isFinite else { return false }
            for l in Int(b.insStart[u])..<Int(b.insStart[u + 1]) where mk.kind[Int(b.insInstr[l])] == .option {
                return false
            }
            let model = b.model[u]
            guard model != .standard else { return true }
            for r in Int(b.riskStart[u])..<Int(b.riskStart[u + 1]) {
                let row = Int(b.riskRow[r])
                let asset = row < mk.instrumentCount ? mk.underlying[row] : row - mk.instrumentCount
                if mk.stable[asset] {
                    let carriesRisk = model == .portfolio ? mk.scanRange[asset] != nil : mk.hasHistory[asset]
                    if carriesRisk { return false }
                }
            }
            return true
        }

        /// Builds the linear model of unit `u` where the assets for which `moves` holds scale by `s`.
        /// For portfolio and es units `moves` must hold for every non-stable asset or (portfolio
        /// only) group-wise; es units are built only for the all-asset move.
        func build(_ u: Int, moves: (Int) -> Bool) {
            let b = book
            let mk = b.market
            model.instrument.removeAll(keepingCapacity: true)
            model.factor.removeAll(keepingCapacity: true)
            model.notional.removeAll(keepingCapacity: true)
            model.concave = true
            model.m0 = 0
            model.m1 = 0
            var a0 = b.cash[u] - b.entryCost[u]
            var a1 = 0.0
            for l in Int(b.colStart[u])..<Int(b.colStart[u + 1]) {
                let a = Int(b.colAsset[l])
                let x = b.colWeighted[l] * base.assetPrice[a]
                if moves(a) { a1 += x } else { a0 += x }
            }
            let unitModel = b.model[u]
            for l in Int(b.insStart[u])..<Int(b.insStart[u + 1]) {
                let i = Int(b.insInstr[l])
                let v = base.markPrice(i, mk)
                let x = b.insNet[l] * v
                let scales = moves(mk.underlying[i])
                if scales { a1 += x } else { a0 += x }
                if unitModel == .standard {
                    let f = base.volFactor[mk.underlying[i]]
                    let n = abs(b.insNet[l]) * v
                    if scales {
                        model.instrument.append(i)
                        model.factor.append(f)
                        model.notional.append(n)
                        if !owner.convex[i] { model.concave = false }
                    } else {
                        let k = mk.bracketIndex(instrument: i, notional: n)
                        model.m0 += f * (n * mk.mmf[k] - mk.cumM[k])
                    }
                }
            }
            model.a0 = a0
            model.a1 = a1
            if unitModel != .standard {
                // Scanning risk and es shortfall per group scale with their asset's price.
                let (fixed, moving) = groupRisk(u, moves: moves)
                model.m0 = fixed
                model.m1 = moving
            }
        }

        /// The unit's portfolio scanning risk (or es MM) split into the part on assets that stay
        /// and the part on assets that move.
        func groupRisk(_ u: Int, moves: (Int) -> Bool) -> (Double, Double) {
            let b = book
            if b.model[u] == .es {
                // Built only for the all-asset move, where every scenario scales with `s`.
                return (0, evaluator.evaluate(u, quotes).maintenanceMargin)
            }
            let mk = b.market
            var r = Int(b.riskStart[u])
            let re = Int(b.riskStart[u + 1])
            var fixed = 0.0
            var moving = 0.0
            let rows = UnsafeRawPointer(quotes.risk.base)
            while r < re {
                let group = b.riskGroup[r]
                let row0 = Int(b.riskRow[r])
                let asset = row0 < mk.instrumentCount ? mk.underlying[row0] : row0 - mk.instrumentCount
                var acc = SIMD16<Double>(repeating: 0)
                while r < re && b.riskGroup[r] == group {
                    let row = rows.loadUnaligned(fromByteOffset: Int(b.riskRow[r]) * 16 * 8, as: SIMD16<Double>.self)
                    acc += b.riskMult[r] * row
                    r += 1
                }
                let sr = max(0, (-acc).max())
                if moves(asset) { moving += sr } else { fixed += sr }
            }
            return (fixed, moving)
        }

        /// Whether the linear model is liquidatable at scale `s`.
        @inline(__always)
        func liquidatable(_ s: Double) -> Bool {
            let mk = book.market
            let ae = model.a0 + model.a1 * s
            var mm = model.m0 + model.m1 * s
            for t in 0..<model.instrument.count {
                let i = model.instrument[t]
                let n = model.notional[t] * s
                let k = mk.bracketIndex(instrument: i, notional: n)
                mm += model.factor[t] * (n * mk.mmf[k] - mk.cumM[k])
            }
            return Health.isLiquidatable(adjustedEquity: ae, maintenanceMargin: mm)
        }

        /// The first grid step `1...steps` at which `pred` holds, or `nil`; by bisection of the
        /// step index when `monotone`, else by a scan.
        func firstStep(_ steps: Int, monotone: Bool, _ pred: (Int) -> Bool) -> Int? {
            if monotone {
                guard pred(steps) else { return nil }
                var lo = 0
                var hi = steps
                while hi - lo > 1 {
                    let mid = (lo + hi) / 2
                    if pred(mid) { hi = mid } else { lo = mid }
                }
                return hi
            }
            for k in 1...steps where pred(k) { return k }
            return nil
        }

        func linearDistance(_ u: Int) -> Double? {
            // The caller has settled accounts exposed to no moving asset (no distance).
            let mk = book.market
            build(u) { !mk.stable[$0] }
            let steps = Analyzer.gridSteps
            let liq = { (m: Double) in self.liquidatable(1 + m) }
            let downMove = { (k: Int) in -0.99 * Double(k) / Double(steps) }
            let upMove = { (k: Int) in 10 * Double(k) / Double(steps) }
            var down: Double?
            if let k = firstStep(steps, monotone: model.concave, { liq(downMove($0)) }) {
                down = Analyzer.refine(inside: downMove(k), outside: k == 1 ? 0 : downMove(k - 1), liq)
            }
            var up: Double?
            if let k = firstStep(steps, monotone: model.concave, { liq(upMove($0)) }) {
                let prev = k == 1 ? 0 : upMove(k - 1)
                // The per-account search stops going up once the previous step is past the downside.
                if down.map({ prev <= -$0 }) ?? true {
                    up = Analyzer.refine(inside: upMove(k), outside: prev, liq)
                }
            }
            switch (down, up) {
            case (let d?, let u?): return -d <= u ? d : u
            case (let d?, nil): return d
            case (nil, let u?): return u
            default: return nil
            }
        }

        func linearPrice(_ u: Int, asset a: Int) -> Double? {
            let p0 = base.assetPrice[a]
            build(u) { $0 == a }
            let now = liquidatableNow
            let flips = { (p: Double) in self.liquidatable(p / p0) != now }
            let steps = Analyzer.gridSteps
            let monotone = model.concave && !now
            let downPrice = { (k: Int) in p0 - 0.99 * p0 * Double(k) / Double(steps) }
            let upPrice = { (k: Int) in p0 + 10 * p0 * Double(k) / Double(steps) }
            var down: Double?
            if let k = firstStep(steps, monotone: monotone, { flips(downPrice($0)) }) {
                down = Analyzer.refine(inside: downPrice(k), outside: k == 1 ? p0 : downPrice(k - 1), flips)
            }
            var up: Double?
            if let k = firstStep(steps, monotone: monotone, { flips(upPrice($0)) }) {
                let prev = k == 1 ? p0 : upPrice(k - 1)
                if down.map({ prev - p0 <= p0 - $0 }) ?? true {
                    up = Analyzer.refine(inside: upPrice(k), outside: prev, flips)
                }
            }
            switch (down, up) {
            case (let d?, let u?): return p0 - d <= u - p0 ? d : u
            case (let d?, nil): return d
            case (nil, let u?): return u
            default: return nil
            }
        }
    }
}
