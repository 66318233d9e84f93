import Dispatch

/// The grid search of accounts whose value is not linear in the move (options), grid point
/// by grid point across accounts: the per-instrument values at each shocked price (option
/// prices, 16-scenario risk arrays, es scenario values) are computed once per grid point and
/// shared by every account still searching, instead of once per account. The first
/// liquidating step of each account is then refined on that account alone.
extension BatchAnalyzer {
    /// Signed distances of `units` (not liquidatable at `base`, each exposed to a moving asset).
    func gridDistances(_ units: [Int], base: PriceState, threads: Int) -> [Double?] {
        let n = units.count
        guard n > 0 else { return [] }
        let market = book.market
        let steps = Analyzer.gridSteps
        let quotes = Quotes(market: market, portfolio: book.usesPortfolio, es: book.usesES)
        let downMove = { @Sendable (k: Int) in -0.99 * Double(k) / Double(steps) }
        let upMove = { @Sendable (k: Int) in 10 * Double(k) / Double(steps) }
        // Downside: the first step of each account, then its refined distance.
        let downStep = firstSteps(units, steps: steps, threads: threads, quotes: quotes) { k in
            quotes.update(base.shockedAll(downMove(k), market))
        } stillSearching: { _, _ in
            true
        }
        let book = self.book
        let refiner = { @Sendable in Analyzer(book: book, base: base) }
        let down: [Double?] = parallelMap(n, threads: threads, context: refiner) { refiner, j in
            guard let k = downStep[j] else { return nil }
            return BatchAnalyzer.refine(inside: downMove(k), outside: k == 1 ? 0 : downMove(k - 1)) { m in
                refiner.gap(units[j], at: base.shockedAll(m, market))
            }
        }
        // Upside, for each account only while the previous step is within its downside distance.
        let upStep = firstSteps(units, steps: steps, threads: threads, quotes: quotes) { k in
            quotes.update(base.shockedAll(upMove(k), market))
        } stillSearching: { j, k in
            down[j].map { (k == 1 ? 0 : upMove(k - 1)) <= -$0 } ?? true
        }
        return parallelMap(n, threads: threads, context: refiner) { refiner, j in
            var up: Double?
            if let k = upStep[j] {
                up = BatchAnalyzer.refine(inside: upMove(k), outside: k == 1 ? 0 : upMove(k - 1)) { m in
                    refiner.gap(units[j], at: base.shockedAll(m, market))
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

    /// Liquidation prices of asset `a` for `units`; `now[j]` is whether unit `j` is liquidatable at `base`.
    func gridPrices(_ units: [Int], asset a: Int, now: [Bool], base: PriceState, threads: Int) -> [Double?] {
        let n = units.count
        guard n > 0 else { return [] }
        let market = book.market
        let steps = Analyzer.gridSteps
        let p0 = base.assetPrice[a]
        // Only asset `a` and what hangs on it move: the other rows keep their base values.
        let quotes = Quotes(market: market, portfolio: book.usesPortfolio, es: book.usesES)
        quotes.update(base)
        let onAsset = market.instrumentsOfAsset[a]
        let downPrice = { @Sendable (k: Int) in p0 - 0.99 * p0 * Double(k) / Double(steps) }
        let upPrice = { @Sendable (k: Int) in p0 + 10 * p0 * Double(k) / Double(steps) }
        let flips = { @Sendable (j: Int, m: UnitMetrics) in
            Health.isLiquidatable(adjustedEquity: m.adjustedEquity, maintenanceMargin: m.maintenanceMargin) != now[j]
        }
        let downStep = firstSteps(
            units, steps: steps, threads: threads, quotes: quotes, holds: flips,
            update: { k in
                quotes.update(base.withPrice(asset: a, downPrice(k), market), instruments: onAsset, assets: [a])
            },
            stillSearching: { _, _ in true })
        let book = self.book
        let refiner = { @Sendable in Analyzer(book: book, base: base) }
        let refine = { @Sendable (refiner: Analyzer, j: Int, inside: Double, outside: Double) -> Double in
            BatchAnalyzer.refine(inside: inside, outside: outside) { p in
                let (holds, gap) = refiner.gap(units[j], at: base.withPrice(asset: a, p, market))
                return (holds != now[j], gap)
            }
        }
        let down: [Double?] = parallelMap(n, threads: threads, context: refiner) { refiner, j in
            downStep[j].map { k in refine(refiner, j, downPrice(k), k == 1 ? p0 : downPrice(k - 1)) }
        }
        let upStep = firstSteps(
            units, steps: steps, threads: threads, quotes: quotes, holds: flips,
            update: { k in
                quotes.update(base.withPrice(asset: a, upPrice(k), market), instruments: onAsset, assets: [a])
            },
            stillSearching: { j, k in down[j].map { (k == 1 ? p0 : upPrice(k - 1)) - p0 <= p0 - $0 } ?? true })
        return parallelMap(n, threads: threads, context: refiner) { refiner, j in
            let up = upStep[j].map { k in refine(refiner, j, upPrice(k), k == 1 ? p0 : upPrice(k - 1)) }
            switch (down[j], up) {
            case (let d?, let u?): return p0 - d <= u - p0 ? d : u
            case (let d?, nil): return d
            case (nil, let u?): return u
            default: return nil
            }
        }
    }

    /// For each unit, the first grid step `1...steps` at whose prices `holds`, scanning the
    /// steps in order with the quotes of each step (`update(step)` sets them) shared by every unit; a unit stops when
    /// found or when `stillSearching(unit, step)` turns false.
    func firstSteps(
        _ units: [Int], steps: Int, threads: Int, quotes: Quotes,
        holds: @escaping @Sendable (Int, UnitMetrics) -> Bool = { _, m in
            Health.isLiquidatable(adjustedEquity: m.adjustedEquity, maintenanceMargin: m.maintenanceMargin)
        },
        update: (Int) -> Void, stillSearching: @escaping @Sendable (Int, Int) -> Bool
    ) -> [Int?] {
        var found = [Int?](repeating: nil, count: units.count)
        var pending = Array(0..<units.count)
        for k in 1...steps {
            pending = pending.filter { stillSearching($0, k) }
            if pending.isEmpty { break }
            update(k)
            let now = pending
            let hits = parallelMap(
                now.count, threads: now.count < 256 ? 1 : threads, context: { [book] in EvaluatorBox(book) }
            ) { box, p in
                holds(now[p], box.evaluator.evaluate(units[now[p]], quotes))
            }
            var rest: [Int] = []
            rest.reserveCapacity(pending.count)
            for (p, j) in pending.enumerated() {
                if hits[p] { found[j] = k } else { rest.append(j) }
            }
            pending = rest
        }
        return found
    }

    /// Refines a crossing between `outside` (the condition fails) and `inside` (it holds) to the
    /// neighbouring doubles, returning the point where it holds, like ``Analyzer/refine`` but by
    /// regula falsi (Illinois) on `AE - MM` with a bisection step whenever it stalls: about ten
    /// evaluations instead of sixty. `f` gives the condition and `AE - MM` at a point.
    static func refine(inside: Double, outside: Double, _ f: (Double) -> (holds: Bool, gap: Double)) -> Double {
        var a = outside
        var b = inside
        var fa = f(a).gap
        var fb = f(b).gap
        var kept = 0
        for iteration in 0..<200 {
            let mid = a + (b - a) / 2
            if mid == a || mid == b { break }
            var x = mid
            // Every fourth step bisects, so a stalling secant still halves the bracket.
            if iteration % 4 != 3, fa.isFinite, fb.isFinite, fa != fb {
                let secant = b - fb * (b - a) / (fb - fa)
                if secant > min(a, b) && secant < max(a, b) { x = secant }
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
    _ n: Int, threads: Int, context: @Sendable () -> C, _ body: @Sendable (C, Int) -> T
) -> [T] {
    guard n > 0 else { return [] }
    let workers = max(1, min(threads, n))
    if workers == 1 {
        let c = context()
        return (0..<n).map { body(c, $0) }
    }
    let out = UnsafeMutablePointer<T>.allocate(capacity: n)
    let shared = SendablePointer(out)
    DispatchQueue.concurrentPerform(iterations: workers) { w in
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
