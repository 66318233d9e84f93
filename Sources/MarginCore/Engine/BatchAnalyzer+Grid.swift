import Dispatch

/// The grid search of accounts whose value is not linear in the move (options), grid point
/// by grid point across accounts: the per-instrument values at each shocked price (option
/// prices, 16-scenario risk arrays, es scenario values) are computed once per grid point and
/// shared by every account still searching, instead of once per account. The first
/// liquidating step of each account is then refined on that account alone.
extension BatchAnalyzer {
    /// Signed distances of `units` of `model` (not liquidatable at `base`, each exposed to a
    /// moving asset); the pass prices only the scenario arrays its model reads.
    func gridDistances(_ units: [Int], model: MarginModel, base: PriceState, threads: Int) -> [Double?] {
        let n = units.count
        guard n > 0 else { return [] }
        let market = book.market
        let steps = Analyzer.gridSteps
        let quotes = Quotes(market: market, portfolio: book.usesPortfolio, es: book.usesES)
        let assets = 0..<market.assetCount
        let downMove = { @Sendable (k: Int) in -0.99 * Double(k) / Double(steps) }
        let upMove = { @Sendable (k: Int) in 10 * Double(k) / Double(steps) }
        // Downside: the first step of each account, then its refined distance.
        // `d(AE - MM)/dm` is at most the sum over moving assets of the price slope times the price.
        let moveSlope = units.map { u in
            self.book.exposedAssets(ofUnit: u).reduce(0.0) {
                $0 + priceSlope(u, asset: $1, base: base) * base.assetPrice[$1]
            }
        }
        let downStep = firstSteps(
            units, steps: steps, threads: threads, quotes: quotes, slope: moveSlope.map { $0 * 0.99 / Double(steps) },
            update: { k, held in
                quotes.update(
                    base.shockedAll(downMove(k), market), instruments: held, assets: assets, model: model,
                    threads: threads, runner: runner)
            }, stillSearching: { _, _ in true })
        let book = self.book
        let refiner = { @Sendable in Refiner(book: book, base: base) }
        let down: [Double?] = parallelMap(n, threads: threads, runner: runner, context: refiner) { refiner, j in
            guard let hit = downStep[j] else { return nil }
            let k = hit.step
            refiner.select(units[j])
            return BatchAnalyzer.refine(inside: downMove(k), outside: k == 1 ? 0 : downMove(k - 1), known: hit) { m in
                refiner.gap(shockedAll: m)
            }
        }
        // Upside, for each account only while the previous step is within its downside distance.
        let upStep = firstSteps(
            units, steps: steps, threads: threads, quotes: quotes, slope: moveSlope.map { $0 * 10 / Double(steps) },
            update: { k, held in
                quotes.update(
                    base.shockedAll(upMove(k), market), instruments: held, assets: assets, model: model,
                    threads: threads, runner: runner)
            },
            stillSearching: { j, k in down[j].map { (k == 1 ? 0 : upMove(k - 1)) <= -$0 } ?? true })
        return parallelMap(n, threads: threads, runner: runner, context: refiner) { refiner, j in
            var up: Double?
            if let hit = upStep[j] {
                let k = hit.step
                refiner.select(units[j])
                up = BatchAnalyzer.refine(inside: upMove(k), outside: k == 1 ? 0 : upMove(k - 1), known: hit) { m in
                    refiner.gap(shockedAll: m)
                }
            }
            switch (down[j], up) {
            case (let d?, let u?): return -d <= u ? d : u
            case (let d?, nil): return d
            case (nil, let u?): return u
            default: return nil
            }
        }
    }

    /// Liquidation prices of asset `a` for `units` of `model`; `now[j]` is whether unit `j` is
    /// liquidatable at `base`.
    func gridPrices(
        _ units: [Int], asset a: Int, model: MarginModel, now: [Bool], base: PriceState, threads: Int
    ) -> [Double?] {
        let n = units.count
        guard n > 0 else { return [] }
        let market = book.market
        let steps = Analyzer.gridSteps
        let p0 = base.assetPrice[a]
        // Only asset `a` and what hangs on it move: the other rows keep their base values.
        let quotes = Quotes(market: market, portfolio: book.usesPortfolio, es: book.usesES)
        quotes.update(base, instruments: 0..<market.instrumentCount, assets: 0..<market.assetCount, model: model)
        let downPrice = { @Sendable (k: Int) in p0 - 0.99 * p0 * Double(k) / Double(steps) }
        let upPrice = { @Sendable (k: Int) in p0 + 10 * p0 * Double(k) / Double(steps) }
        let flips = { @Sendable (j: Int, m: UnitMetrics) in
            Health.isLiquidatable(adjustedEquity: m.adjustedEquity, maintenanceMargin: m.maintenanceMargin) != now[j]
        }
        let slope = units.map { priceSlope($0, asset: a, base: base) * p0 }
        let downStep = firstSteps(
            units, steps: steps, threads: threads, quotes: quotes, slope: slope.map { $0 * 0.99 / Double(steps) },
            holds: flips,
            update: { k, held in
                quotes.update(
                    base.withPrice(asset: a, downPrice(k), market),
                    instruments: held.filter { market.underlying[$0] == a },
                    assets: [a], model: model, threads: threads, runner: runner)
            },
            stillSearching: { _, _ in true })
        let book = self.book
        let refiner = { @Sendable in Refiner(book: book, base: base) }
        let refine = {
            @Sendable (refiner: Refiner, j: Int, inside: Double, outside: Double, hit: FirstStep) -> Double in
            refiner.select(units[j])
            return BatchAnalyzer.refine(inside: inside, outside: outside, known: hit) { p in
                let (holds, gap) = refiner.gap(asset: a, price: p)
                return (holds != now[j], gap)
            }
        }
        let down: [Double?] = parallelMap(n, threads: threads, runner: runner, context: refiner) { refiner, j in
            downStep[j].map { h in refine(refiner, j, downPrice(h.step), h.step == 1 ? p0 : downPrice(h.step - 1), h) }
        }
        let upStep = firstSteps(
            units, steps: steps, threads: threads, quotes: quotes, slope: slope.map { $0 * 10 / Double(steps) },
            holds: flips,
            update: { k, held in
                quotes.update(
                    base.withPrice(asset: a, upPrice(k), market),
                    instruments: held.filter { market.underlying[$0] == a },
                    assets: [a], model: model, threads: threads, runner: runner)
            },
            stillSearching: { j, k in down[j].map { (k == 1 ? p0 : upPrice(k - 1)) - p0 <= p0 - $0 } ?? true })
        return parallelMap(n, threads: threads, runner: runner, context: refiner) { refiner, j in
            let up = upStep[j].map { h in refine(refiner, j, upPrice(h.step), h.step == 1 ? p0 : upPrice(h.step - 1), h)
            }
            switch (down[j], up) {
            case (let d?, let u?): return p0 - d <= u - p0 ? d : u
            case (let d?, nil): return d
            case (nil, let u?): return u
            default: return nil
            }
        }
    }

    /// For each unit, the first grid step `1...steps` at whose prices `holds`, scanning the
    /// steps in order with the quotes of each step shared by every unit: `update(step, held)`
    /// sets them for the instruments `held` by the units evaluated at that step (the rows they
    /// read; the other rows may keep an earlier step's values). A unit stops when found or when
    /// `stillSearching(unit, step)` turns false.
    ///
    /// A unit is not evaluated at steps it provably cannot cross at: `slope[j]` bounds how much
    /// its `AE - MM` changes per step, so from a step where it is `g` away from zero the next
    /// `|g| / slope` steps keep its sign (and its state). Steps no unit needs are not priced, and
    /// the jumps are aligned so units meet on the same steps (``latticeStep(after:skip:)``;
    /// `aligned: false` jumps as far as proven, for tests).
    /// Each found step comes with the unit's `AE - MM` there, and at the step before when that
    /// one was evaluated, for the refinement to start from.
    func firstSteps(
        _ units: [Int], steps: Int, threads: Int, quotes: Quotes, slope: [Double],
        holds: @escaping @Sendable (Int, UnitMetrics) -> Bool = { _, m in
            Health.isLiquidatable(adjustedEquity: m.adjustedEquity, maintenanceMargin: m.maintenanceMargin)
        },
        update: (Int, [Int]) -> Void, stillSearching: @escaping @Sendable (Int, Int) -> Bool, aligned: Bool = true
    ) -> [FirstStep?] {
        var found = [FirstStep?](repeating: nil, count: units.count)
        var next = [Int](repeating: 1, count: units.count)
        // The last step each unit was evaluated at, and its gap there.
        var last = [(step: Int, gap: Double)](repeating: (-1, .nan), count: units.count)
        var pending = Array(0..<units.count)
        var marks = [Bool](repeating: false, count: book.market.instrumentCount)
        // A step's evaluations go to the threads from this many units: an es unit (its scenario P&L
        // over the whole history and its largest losses) costs tens of times a standard one, so a
        // few dozen are worth a hand-over; below that the other core would wait (a live pass spreads
        // its units over most of the steps).
        let parallelFrom = units.first.map { Self.parallelThreshold(book.model[$0]) } ?? 256
        while true {
            pending = pending.filter { next[$0] <= steps && stillSearching($0, next[$0]) }
            guard let k = pending.lazy.map({ next[$0] }).min() else { break }
            let now = pending.filter { next[$0] == k }
            update(k, instruments(held: now.map { units[$0] }, marks: &marks))
            let scratch = { @Sendable [book] in EvaluatorBox(book) }
            let results = parallelMap(
                now.count, threads: now.count < parallelFrom ? 1 : threads, runner: runner, context: scratch
            ) { box, p in
                let m = box.evaluator.evaluate(units[now[p]], quotes)
                return (holds(now[p], m), m.adjustedEquity - m.maintenanceMargin)
            }
            for (p, j) in now.enumerated() {
                let (hit, gap) = results[p]
                if hit {
                    found[j] = FirstStep(step: k, gap: gap, before: last[j].step == k - 1 ? last[j].gap : nil)
                    next[j] = steps + 1
                    continue
                }
                last[j] = (k, gap)
                // Steps k+1 ... k+skip keep |AE - MM| > 0: |g(k + i)| >= |g| - slope * i > 0 for i <= skip.
                let reach = abs(gap) / slope[j]
                let skip = reach.isFinite ? max(0, Int(min(reach, Double(steps)).rounded(.up)) - 1) : 0
                next[j] =
                    slope[j] == 0 && gap != 0 && gap.isFinite
                    ? steps + 1
                    : aligned ? Self.latticeStep(after: k, skip: skip) : k + 1 + skip
            }
        }
        return found
    }

    /// The step to evaluate next after step `k`, when steps `k + 1 ... k + skip` are proven not to
    /// hold: any step up to `k + 1 + skip` keeps the proof (evaluating sooner only costs an
    /// evaluation), so the jump is rounded down to a multiple of the largest power of two that
    /// still leaves at least half of it. Units then meet on the same steps, and every step
    /// evaluated is priced once for all of them: unaligned, the units of a pass spread over most of
    /// the 400 steps, each priced for every instrument they hold.
    @inline(__always)
    static func latticeStep(after k: Int, skip: Int) -> Int {
        let target = k + 1 + skip
        var lattice = 1 << (Int.bitWidth - 1 - (skip + 1).leadingZeroBitCount)
        while lattice > 1 && 2 * (target / lattice * lattice - k) < skip + 1 { lattice >>= 1 }
        return target / lattice * lattice
    }

    /// The fewest units of `model` one step of ``firstSteps`` evaluates on more than one thread.
    static func parallelThreshold(_ model: MarginModel) -> Int {
        switch model {
        case .standard: 256
        case .portfolio: 64
        case .es: 16
        }
    }

    /// The instruments whose quote rows `units` read (their positions and their risk rows), each
    /// once; `marks` is all false on entry and on return.
    func instruments(held units: [Int], marks: inout [Bool]) -> [Int] {
        let b = book
        let ni = b.market.instrumentCount
        var out: [Int] = []
        for u in units {
            for l in Int(b.insStart[u])..<Int(b.insStart[u + 1]) {
                let i = Int(b.insInstr[l])
                if !marks[i] {
                    marks[i] = true
                    out.append(i)
                }
            }
            for r in Int(b.riskStart[u])..<Int(b.riskStart[u + 1]) {
                let i = Int(b.riskRow[r])
                if i < ni && !marks[i] {
                    marks[i] = true
                    out.append(i)
                }
            }
        }
        for i in out { marks[i] = false }
        return out
    }

    /// A bound on `|d(AE - MM) / dP|` for unit `u` when asset `a`'s price `P` moves (and all
    /// that hangs on it), vol factors fixed at `base` as in every shocked state of the search.
    /// - AE: collateral moves with its weight (or its amount, unweighted where the model takes no
    ///   haircut), a position with its size (an option's Black-76 delta is within [-1, 1]; a mark
    ///   moves with `mark / P`).
    /// - Standard MM: bracket margin moves at most with the instrument's highest rate, short
    ///   option MM with `mm` per unit of `F`.
    /// - Scenario risk (portfolio arrays, es history) is a maximum (scanning risk) or a mean of the
    ///   largest losses (expected shortfall) of scenario P&Ls, so it moves at most as fast as the
    ///   fastest scenario P&L. Per unit of a row, that P&L is `c (v(P (1 + r)) - v(P))` for the
    ///   scenario's move `r` and count `c`: `c |r|` for collateral, perpetuals and futures (times
    ///   `mark / P`), and for an option `c |delta(P (1 + r)) (1 + r) - delta(P)|`, at most
    ///   `c max(1, 1 + r)` because both deltas lie in [0, 1] (calls) or [-1, 0] (puts).
    func priceSlope(_ u: Int, asset a: Int, base: PriceState) -> Double {
        let b = book
        let m = b.market
        let p = m.params
        var s = 0.0
        for l in Int(b.colStart[u])..<Int(b.colStart[u + 1]) where Int(b.colAsset[l]) == a {
            s += abs(b.colWeighted[l]) + abs(b.colAmount[l])
        }
        let model = b.model[u]
        let vf = base.volFactor[a]
        for l in Int(b.insStart[u])..<Int(b.insStart[u + 1]) {
            let i = Int(b.insInstr[l])
            guard m.underlying[i] == a else { continue }
            let ratio = m.kind[i] == .option ? 1 : max(1, base.markPrice(i, m) / base.assetPrice[a])
            let net = abs(b.insNet[l]) * ratio
            let short = b.insShort[l]
            s += net
            switch model {
            case .standard:
                var rate = 0.0
                for k in 0..<m.bracketStride { rate = max(rate, m.mmf[i * m.bracketStride + k]) }
                s += vf * rate * net + short * p.shortOption.mm
            case .portfolio: s += p.portfolio.somc * short
            case .es: break
            }
        }
        guard model != .standard else { return s }
        // Per unit of a row: the fastest scenario P&L of a linear row and of an option row.
        var linear = 0.0
        var option = 0.0
        if model == .portfolio {
            if let scan = m.scanRange[a] {
                let range = scan * vf
                let extreme = p.portfolio.extremeMultiple * range
                linear = max(range, p.portfolio.extremeCover * extreme)
                option = max(1 + range, p.portfolio.extremeCover * (1 + extreme))
            }
        } else if m.hasHistory[a] {
            var largest = 0.0
            var highest = 0.0
            for n in 0..<m.historyCount {
                let r = m.historyReturn(asset: a, scenario: n)
                largest = max(largest, abs(r))
                highest = max(highest, r)
            }
            let horizon = max(1, p.es.horizonDays).squareRoot()
            linear = largest * horizon
            option = (1 + highest) * horizon
        }
        for r in Int(b.riskStart[u])..<Int(b.riskStart[u + 1]) {
            let row = Int(b.riskRow[r])
            if row >= m.instrumentCount {
                if row - m.instrumentCount == a { s += abs(b.riskMult[r]) * linear }
            } else if m.underlying[row] == a {
                let factor =
                    m.kind[row] == .option
                    ? option : linear * max(1, base.markPrice(row, m) / base.assetPrice[a])
                s += abs(b.riskMult[r]) * factor
            }
        }
        return s
    }

    /// Refines a crossing between `outside` (the condition fails) and `inside` (it holds) to the
    /// neighbouring doubles, returning the point where it holds, like ``Analyzer/refine`` but by
    /// regula falsi (Illinois) on `AE - MM` with a bisection step whenever it stalls: 4 to 14
    /// evaluations (mean 7 on demo books) instead of sixty. `f` gives the condition and `AE - MM`
    /// at a point.
    ///
    /// Near the root `AE - MM` is a difference of two close figures and is often exactly `0` over
    /// a run of doubles. A secant through an end whose gap is `0` lands on that end, and halving `0`
    /// leaves `0`, so every later step would bisect (about fifty evaluations). From such an end the
    /// next point is a few doubles towards the other end instead, four times as far each time the
    /// end does not move off zero, so the run of zeros is crossed in a few steps. A secant that
    /// lands within a few doubles of an end (the gap there is tiny, not zero) is treated the same.
    ///
    /// `known` gives the gaps the grid search already found at `inside` and (when it evaluated
    /// it) at `outside`: the same figures `f` gives there, not evaluated again.
    static func refine(
        inside: Double, outside: Double, known: FirstStep? = nil, _ f: (Double) -> (holds: Bool, gap: Double)
    ) -> Double {
        var a = outside
        var b = inside
        var fa = known?.before ?? f(a).gap
        var fb = known?.gap ?? f(b).gap
        var kept = 0
        var reachA = 4.0
        var reachB = 4.0
        for iteration in 0..<200 {
            let mid = a + (b - a) / 2
            if mid == a || mid == b { break }
            var x = mid
            // Every fourth step bisects, so a stalling secant still halves the bracket.
            if iteration % 4 != 3 {
                if (fb == 0 && b != 0) || (fa == 0 && a != 0) {
                    let fromB = fb == 0 && b != 0
                    let end = fromB ? b : a
                    let reach = fromB ? reachB : reachA
                    let step = reach * end.ulp
                    let probe = end + ((fromB ? a > b : b > a) ? step : -step)
                    if probe > min(a, b) && probe < max(a, b) { x = probe }
                    if fromB { reachB *= 4 } else { reachA *= 4 }
                } else if fa.isFinite, fb.isFinite, fa != fb {
                    let secant = b - fb * (b - a) / (fb - fa)
                    let (toA, toB) = (abs(secant - a), abs(secant - b))
                    var probe = secant
                    // A secant on (or within a few doubles of) an end says the root is there: the
                    // next point is a few doubles past it, four times as far each time, so both
                    // ends close in on the root (from such an end the secant would land on it again
                    // and the bracket shrink by bisection alone: about forty evaluations).
                    if toA <= toB && toA < reachA * a.ulp && a != 0 {
                        probe = a + (b > a ? reachA : -reachA) * a.ulp
                        reachA *= 4
                    } else if toB < toA && toB < reachB * b.ulp && b != 0 {
                        probe = b + (a > b ? reachB : -reachB) * b.ulp
                        reachB *= 4
                    }
                    if probe > min(a, b) && probe < max(a, b) { x = probe }
                }
            }
            let r = f(x)
            if r.holds {
                b = x
                fb = r.gap
                if kept == -1 { fa /= 2 }
                kept = -1
            } else {
                a = x
                fa = r.gap
                if kept == 1 { fb /= 2 }
                kept = 1
            }
        }
        return b
    }
}

/// The first grid step at which a unit's condition holds (``BatchAnalyzer/firstSteps``), with
/// its `AE - MM` there (`gap`) and at the step before (`before`, when that step was evaluated;
/// step 0, the base, never is).
struct FirstStep: Sendable {
    var step: Int
    var gap: Double
    var before: Double?
}

/// Re-values one unit at a shocked state for ``BatchAnalyzer/refine(inside:outside:_:)``, as
/// ``Analyzer/metrics(_:at:)`` does at `base.shockedAll(m)` or `base.withPrice(asset:_:)`, with
/// the same values, but with the shock written in place into a state of its own, and only where
/// the unit reads it (the prices of the assets it rests on, the marks of its instruments): no
/// copy of the whole state per evaluation. One refiner serves one thread.
final class Refiner {
    let book: MarginBook
    let base: PriceState
    private var state: PriceState
    private let quotes: Quotes
    private let evaluator: Evaluator
    private var unit = -1
    private var instruments: [Int] = []
    private var collateral: [Int] = []
    /// Every asset whose price the unit reads (underlyings and collateral), each once.
    private var priced: [Int] = []

    init(book: MarginBook, base: PriceState) {
        self.book = book
        self.base = base
        state = base
        quotes = Quotes(market: book.market, portfolio: book.usesPortfolio, es: book.usesES)
        evaluator = Evaluator(book: book)
    }

    /// Makes `u` the unit the next evaluations re-value.
    func select(_ u: Int) {
        guard u != unit else { return }
        unit = u
        instruments = book.instruments(ofUnit: u)
        collateral = book.collateralAssets(ofUnit: u)
        priced.removeAll(keepingCapacity: true)
        let m = book.market
        for x in instruments.lazy.map({ m.underlying[$0] }) + collateral where !priced.contains(x) { priced.append(x) }
    }

    /// The unit at `base.shockedAll(move)`: every non-stable asset and the marks on it times `1 + move`.
    func gap(shockedAll move: Double) -> (holds: Bool, gap: Double) {
        let m = book.market
        for x in priced { state.assetPrice[x] = m.stable[x] ? base.assetPrice[x] : base.assetPrice[x] * (1 + move) }
        for i in instruments {
            state.mark[i] = m.stable[m.underlying[i]] ? base.mark[i] : base.mark[i].map { $0 * (1 + move) }
        }
        return evaluate()
    }

    /// The unit at `base.withPrice(asset: a, p)`: asset `a` at `p`, the marks on it scaled alike.
    func gap(asset a: Int, price p: Double) -> (holds: Bool, gap: Double) {
        let m = book.market
        let ratio = p / base.assetPrice[a]
        for x in priced { state.assetPrice[x] = x == a ? p : base.assetPrice[x] }
        for i in instruments { state.mark[i] = m.underlying[i] == a ? base.mark[i].map { $0 * ratio } : base.mark[i] }
        return evaluate()
    }

    private func evaluate() -> (holds: Bool, gap: Double) {
        quotes.update(state, instruments: instruments, assets: collateral, model: book.model[unit])
        let r = evaluator.evaluate(unit, quotes)
        return (
            Health.isLiquidatable(adjustedEquity: r.adjustedEquity, maintenanceMargin: r.maintenanceMargin),
            r.adjustedEquity - r.maintenanceMargin
        )
    }
}

extension Analyzer {
    /// Whether unit `u` is liquidatable at `state`, and its `AE - MM` there.
    func gap(_ u: Int, at state: PriceState) -> (holds: Bool, gap: Double) {
        let m = metrics(u, at: state)
        return (
            Health.isLiquidatable(adjustedEquity: m.adjustedEquity, maintenanceMargin: m.maintenanceMargin),
            m.adjustedEquity - m.maintenanceMargin
        )
    }
}

/// `(0..<n).map(body)` on up to `threads` threads, each with its own `context()` (scratch space).
func parallelMap<C, T>(
    _ n: Int, threads: Int, runner: any ParallelRunner = DispatchRunner(), context: @Sendable () -> C,
    _ body: @Sendable (C, Int) -> T
) -> [T] {
    guard n > 0 else { return [] }
    let workers = max(1, min(threads, n))
    if workers == 1 {
        let c = context()
        return (0..<n).map { body(c, $0) }
    }
    let out = UnsafeMutablePointer<T>.allocate(capacity: n)
    let shared = SendablePointer(out)
    runner.perform(iterations: workers) { w in
        let c = context()
        for k in (n * w / workers)..<(n * (w + 1) / workers) { (shared.pointer + k).initialize(to: body(c, k)) }
    }
    let result = Array(UnsafeBufferPointer(start: out, count: n))
    out.deinitialize(count: n)
    out.deallocate()
    return result
}

/// An ``Evaluator`` (non-copyable scratch) held by a reference, for per-thread contexts.
final class EvaluatorBox {
    let evaluator: Evaluator
    init(_ book: MarginBook) { evaluator = Evaluator(book: book) }
}

/// A pointer handed to concurrent workers that write disjoint ranges of it.
struct SendablePointer<T>: @unchecked Sendable {
    let pointer: UnsafeMutablePointer<T>
    init(_ p: UnsafeMutablePointer<T>) { pointer = p }
}
