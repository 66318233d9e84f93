import MarginCore

extension LiveBook {
    /// Most accounts whose margin-ratio history is kept (15 minutes at 1 s is 3.6 KB an account).
    public static let trackedAccountLimit = 20_000

    /// Samples prices and margin ratios for the sparklines, at most once a second.
    ///
    /// Every asset is sampled. Accounts are sampled once they are not safe (or
    /// when `track(accountId:)` asks), up to `trackedAccountLimit`; a million
    /// rings would not fit the memory budget, and safe accounts rarely need one.
    public func sample(now: Double) {
        let m = marginBook.market
        for a in 0..<m.assetCount { assetHistory[a].record(prices.assetPrice[a], at: now) }
        for a in 0..<marginBook.accountCount {
            let id = marginBook.accountIds[a]
            if accountHistory[id] == nil {
                guard displayed[a] != .safe, accountHistory.count < LiveBook.trackedAccountLimit else { continue }
                accountHistory[id] = HistoryRing()
            }
            let mr = results.marginRatio(a)
            accountHistory[id]?.record(mr.isFinite ? mr : 10, at: now)
        }
    }

    /// Starts keeping the margin-ratio history of an account (a drill-down asks for it).
    public func track(accountId: String) {
        if accountHistory[accountId] == nil, accountHistory.count < LiveBook.trackedAccountLimit {
            accountHistory[accountId] = HistoryRing()
        }
    }

    /// 1-second margin-ratio samples of an account, oldest first (infinite ratios are recorded as 10).
    public func marginRatioHistory(accountId: String) -> [Double] { accountHistory[accountId]?.samples ?? [] }

    /// An immutable picture of everything, for the screen or a watcher.
    public func snapshot(now: Double, health: LoopHealth = LoopHealth()) -> LiveSnapshot {
        capture(now: now, health: health).finish()
    }

    /// What a snapshot needs from the live book, as flat copies: cheap enough to take on the
    /// engine between steps; ranking and exposures are worked out afterwards by ``SnapshotCapture/finish()``.
    public func capture(now: Double, health: LoopHealth = LoopHealth()) -> SnapshotCapture {
        let n = marginBook.accountCount
        func copy<T>(_ c: Column<T>) -> [T] { Array(UnsafeBufferPointer(start: c.base, count: n)) }
        var h = health
        h.rejectedUpdates = rejected.values.reduce(0, +)
        return SnapshotCapture(
            time: now, version: version, book: book, marginBook: marginBook, exposureIndex: exposureIndex,
            prices: prices,
            equity: copy(results.equity), adjustedEquity: copy(results.adjustedEquity),
            initialMargin: copy(results.initialMargin), maintenanceMargin: copy(results.maintenanceMargin),
            rawState: copy(results.state), displayed: displayed,
            // A price never ticked is the book's stored one: of no known age, so stale (spec 5: no
            // tick arrived within `staleAfter`), not as fresh as the loop's start.
            lastIndexTick: zip(lastIndexTick, lastIndexExchangeTime).map { $1 == nil ? -.infinity : $0 },
            lastMarkTick: lastMarkTick, referencePrice: referencePrice, assetHistory: assetHistory.map(\.samples),
            health: h, recentChanges: recentChanges, analysis: analysis)
    }
}

/// The copied state of a live book at one moment (see ``LiveBook/capture(now:health:)``).
public struct SnapshotCapture: Sendable {
    let time: Double
    let version: Int
    let book: Book
    let marginBook: MarginBook
    let exposureIndex: ExposureIndex
    let prices: PriceState
    let equity: [Double], adjustedEquity: [Double], initialMargin: [Double], maintenanceMargin: [Double]
    /// States as computed (the ranking's) and as displayed (after hysteresis: counts and the table).
    let rawState: [AccountState], displayed: [AccountState]
    /// Last index tick per asset (`-.infinity`: none yet), last mark tick per instrument.
    let lastIndexTick: [Double], lastMarkTick: [Double?], referencePrice: [Double]
    let assetHistory: [[Double]]
    let health: LoopHealth
    let recentChanges: [StateChange]
    let analysis: AnalysisTable
    /// Receive time of the oldest update this snapshot is the first to show (set by ``LiveEngine``).
    var oldestNewUpdate: Double?

    /// Ranks, counts and measures exposures and data ages: the costly part, off the engine.
    public func finish() -> LiveSnapshot {
        let mb = marginBook
        let m = mb.market
        let n = mb.accountCount
        let now = time
        let limit = m.params.staleAfterSeconds
        let indexAge = lastIndexTick.map { max(0, now - $0) }
        let markAge = lastMarkTick.map { t in t.map { max(0, now - $0) } ?? -1 }
        let exposure = exposureIndex.exposures(mb, prices: prices, indexAge: indexAge, markAge: markAge)
        // The per-account columns in one pass, written in place.
        let analysed = analysis.count == n
        var distance = analysed ? analysis.distance : []
        var analysedAt = analysed ? analysis.analysedAt : []
        var ratio = [Double](repeating: 0, count: n)
        var stale = [Bool](repeating: false, count: n)
        var held = [Bool](repeating: false, count: n)
        var largest = [(asset: String, notional: Double)](repeating: ("", 0), count: n)
        var perState = [Int](repeating: 0, count: AccountState.allCases.count)
        var shortfall = 0.0
        for a in 0..<n {
            let ae = adjustedEquity[a]
            let mm = maintenanceMargin[a]
            ratio[a] = Health.marginRatio(adjustedEquity: ae, maintenanceMargin: mm)
            // Liquidatable at these prices: distance 0, known now (the batch analysis's own test).
            if analysed && Health.isLiquidatable(adjustedEquity: ae, maintenanceMargin: mm) {
                distance[a] = 0
                analysedAt[a] = now
            }
            stale[a] = exposure.dataAge[a] > limit
            held[a] = displayed[a] > rawState[a]
            let x = Int(exposure.asset[a])
            largest[a] = (x >= 0 ? m.assetNames[x] : "", exposure.notional[a])
            perState[displayed[a].rawValue] += 1
            if rawState[a] == .bankrupt { shortfall += -equity[a] }
        }
        var table = AccountTable(
            ids: mb.accountIds, names: mb.accountNames,
            models: Array(UnsafeBufferPointer(start: mb.model.base, count: n)),
            equity: equity, adjustedEquity: adjustedEquity, initialMargin: initialMargin,
            maintenanceMargin: maintenanceMargin,
            marginRatio: ratio, state: displayed, stale: stale, largestExposure: largest, dataAge: exposure.dataAge)
        if analysed {
            table.distance = distance
            table.analysedAt = analysedAt
            table.liquidationPrices = analysis.liquidationPrices
        }
        table.held = held
        var h = health
        h.oldestPriceAge =
            (0..<m.assetCount).filter { !m.stable[$0] }.map { max(0, now - lastIndexTick[$0]) }.max() ?? 0
        let quotes = (0..<m.assetCount).map { a in
            AssetQuote(
                name: m.assetNames[a], price: prices.assetPrice[a], reference: referencePrice[a],
                age: max(0, now - lastIndexTick[a]), stale: !m.stable[a] && now - lastIndexTick[a] > limit,
                stable: m.stable[a], volFactor: prices.volFactor[a], history: assetHistory[a])
        }
        var counts: [AccountState: Int] = [:]
        for st in AccountState.allCases { counts[st] = perState[st.rawValue] }
        let priority = rawState.withUnsafeBufferPointer { st in
            adjustedEquity.withUnsafeBufferPointer { ae in
                maintenanceMargin.withUnsafeBufferPointer { mm in
                    BookResults.priorityOrder(
                        count: n, state: st, adjustedEquity: ae, maintenanceMargin: mm, ids: mb.accountIds)
                }
            }
        }
        var snap = LiveSnapshot(
            time: now, version: version, book: book, marginBook: mb, prices: prices, accounts: table,
            priority: priority, counts: counts, shortfall: shortfall,
            insuranceFund: book.insuranceFund, assets: quotes, health: h, recentChanges: recentChanges)
        snap.oldestNewUpdate = oldestNewUpdate
        return snap
    }
}
