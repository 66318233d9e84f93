import MarginCore

/// Picks the accounts of each analysis pass (see ``LiveAnalysisConfig``) and measures the
/// rotation: the accounts that changed state since the last pass, those that may be near
/// liquidation, and the next chunk of the rotation.
///
/// The chunk is `n * interval / cycleSeconds` (at least `minChunk`): `interval` is the time
/// since the previous pass in a synchronous run (the steps' own time, so the picks depend only
/// on the input), and the measured time between passes in the background, capped so a pass
/// lasts about `maxPassSeconds` at the measured cost per account.
struct AnalysisScheduler {
    private(set) var generation = -1
    /// Position in the table's rotation order.
    private var cursor = 0
    private var cycleStart = 0.0
    /// Seconds the last full rotation took, once one has completed.
    private(set) var lastCycleSeconds: Double?
    private var lastPassAt: Double?
    /// Background: seconds between passes and seconds per analysed account (EWMA).
    private(set) var passInterval: Double?
    private(set) var secondsPerAccount: Double?
    private(set) var lastChunk = 0
    private(set) var passes = 0
    /// Accounts that changed state since the last pass (indices of `generation`'s book).
    private var changed: [Int] = []
    private var mark: [UInt32] = []
    /// Background: where the next pass's share of too many near accounts starts (an account index).
    private var nearCursor = 0
    /// Where a marked account is in the pass being planned.
    private var position: [Int32] = []
    private var epoch: UInt32 = 0

    /// Follows `table`'s compilation of the book: a new one restarts the rotation.
    private mutating func follow(_ table: AnalysisTable, now: Double) {
        guard table.generation != generation else { return }
        generation = table.generation
        cursor = 0
        cycleStart = now
        lastCycleSeconds = nil
        changed = []
        mark = Array(repeating: 0, count: table.count)
        position = Array(repeating: 0, count: table.count)
        epoch = 0
    }

    /// Notes accounts of `table`'s book that changed state; the next pass analyses them.
    mutating func noteChanged(_ accounts: [Int], table: AnalysisTable, now: Double) {
        follow(table, now: now)
        changed.append(contentsOf: accounts)
        // Changes arriving faster than passes take them: each account once.
        if changed.count > table.count { changed = Array(Set(changed)).sorted() }
    }

    /// The accounts of a pass at `now` over `table` at `prices`; those for which `skip` holds
    /// (background: liquidatable now, distance 0 known) are left to the rotation even when
    /// near or changed, and listed in the plan's `liquidatable` to be stamped with distance 0.
    mutating func plan(
        _ table: AnalysisTable, prices: PriceState, now: Double, config: LiveAnalysisConfig, synchronous: Bool,
        skip: (Int) -> Bool = { _ in false }
    ) -> AnalysisPlan {
        follow(table, now: now)
        let n = table.count
        guard n > 0 else { return AnalysisPlan() }
        epoch &+= 1
        if epoch == 0 {
            mark = Array(repeating: 0, count: n)
            epoch = 1
        }
        // `picked` in order; `full[k]`: the pick also searches liquidation prices.
        var picked: [Int] = []
        var full: [Bool] = []
        let cadence = config.liquidationPrices
        func add(_ a: Int, rotation: Bool = false) {
            guard mark[a] != epoch else {
                // Near and due in the rotation: one analysis, with the rotation's prices.
                if rotation, cadence == .rotation { full[Int(position[a])] = true }
                return
            }
            mark[a] = epoch
            position[a] = Int32(picked.count)
            picked.append(a)
            // In the background an account's first analysis is its distance alone (the book is
            // covered three times sooner); its rotation visits after that search the prices too,
            // once they are `liquidationPriceMaxAge` old.
            let first = table.analysedAt[a] == -.infinity
            let pricedAt = table.liquidationPrices.analysedAt[a]
            let priced =
                synchronous
                ? rotation || pricedAt == -.infinity
                : rotation && !first && now - pricedAt >= config.liquidationPriceMaxAge
            full.append(cadence == .always || (cadence == .rotation && priced))
        }
        // Background: at the measured speed a pass does about `budget` accounts (until a pass has
        // been timed, `minChunk`): the near accounts first (in turns when they are too many), then the
        // changed ones (the rest wait for the next pass), then the rotation, at least `minChunk` or a
        // quarter of the budget, so the whole book stays covered when the near ones alone would
        // take every pass.
        var budget = synchronous ? Int.max : config.minChunk
        if !synchronous, let c = secondsPerAccount, c > 0 {
            budget = max(config.minChunk, Int(min(Double(n), config.maxPassSeconds / c)))
        }
        let rotationFloor = synchronous ? 0 : max(config.minChunk, budget / 4)
        var near: [Int] = []
        var liquidatable: [Int] = []
        for a in 0..<n {
            if synchronous && table.analysedAt[a] == -.infinity {
                add(a)
            } else if skip(a) {
                liquidatable.append(a)
            } else if table.mayBeNear(a, prices: prices, band: config.nearBand) {
                near.append(a)
            }
        }
        let nearRoom = synchronous ? Int.max : max(0, budget - rotationFloor)
        if near.count > nearRoom {
            // Round robin over the near accounts (by index, from where the last pass stopped), so
            // each gets its turn; no sort on the engine.
            let from = near.firstIndex { $0 >= nearCursor } ?? 0
            near = (0..<nearRoom).map { near[(from + $0) % near.count] }
            nearCursor = (near.last ?? 0) + 1
        }
        for a in near { add(a) }
        var later: [Int] = []
        for a in changed where a < n && !skip(a) {
            if picked.count < nearRoom { add(a) } else { later.append(a) }
        }
        changed = later
        let elapsed = lastPassAt.map { max(0, now - $0) }
        var chunk: Int
        if synchronous {
            chunk = Self.chunk(n, interval: elapsed ?? 0, config)
        } else {
            let interval = max(config.minPassInterval, passInterval ?? config.minPassInterval)
            chunk = secondsPerAccount == nil ? config.minChunk : Self.chunk(n, interval: interval, config)
            chunk = min(chunk, max(rotationFloor, budget - picked.count))
            if let e = elapsed {
                passInterval = passInterval.map { 0.7 * $0 + 0.3 * e } ?? e
            }
        }
        chunk = min(chunk, n)
        for _ in 0..<chunk {
            add(Int(table.order[cursor]), rotation: true)
            cursor += 1
            if cursor == n {
                cursor = 0
                lastCycleSeconds = now - cycleStart
                cycleStart = now
            }
        }
        lastChunk = chunk
        lastPassAt = now
        passes += 1
        var plan = AnalysisPlan()
        plan.liquidatable = liquidatable
        for (k, a) in picked.enumerated() {
            if full[k] { plan.full.append(a) } else { plan.distanceOnly.append(a) }
        }
        return plan
    }

    /// Background: a pass of `accounts` took `seconds` on its thread. Its own time, not the time
    /// until a step took it: where steps are far apart (a big book) that wait would read as a
    /// slow analysis and shrink every later pass.
    mutating func finished(accounts: Int, seconds: Double) {
        guard accounts > 0, seconds.isFinite else { return }
        let c = max(0, seconds) / Double(accounts)
        secondsPerAccount = secondsPerAccount.map { 0.7 * $0 + 0.3 * c } ?? c
    }

    /// The seconds a rotation over `n` accounts takes at the current pace (the last chunk each pass).
    func cycleEstimate(_ n: Int, config: LiveAnalysisConfig) -> Double? {
        guard lastChunk > 0 else { return nil }
        let interval = passInterval ?? config.minPassInterval
        return Double(n) / Double(lastChunk) * interval
    }

    static func chunk(_ n: Int, interval: Double, _ config: LiveAnalysisConfig) -> Int {
        let want = (Double(n) * interval / max(config.cycleSeconds, 1e-9)).rounded(.up)
        return max(config.minChunk, want.isFinite ? Int(min(want, Double(n))) : n)
    }
}

/// The accounts of one pass: those analysed with their liquidation prices, and those whose
/// distance only is renewed; `liquidatable` are not analysed (liquidatable at the pass's
/// prices: their distance is 0, recorded as of the pass without a search).
struct AnalysisPlan: Sendable {
    var full: [Int] = []
    var distanceOnly: [Int] = []
    var liquidatable: [Int] = []

    var count: Int { full.count + distanceOnly.count }
    var isEmpty: Bool { count == 0 }
    var all: [Int] { full + distanceOnly }
}
