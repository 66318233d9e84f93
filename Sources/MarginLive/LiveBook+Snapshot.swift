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
        let mb = marginBook
        let m = mb.market
        let n = mb.accountCount
        let limit = m.params.staleAfterSeconds
        var table = AccountTable(
            ids: mb.accountIds, names: mb.accountNames, models: Array(mb.model.array.prefix(n)),
            equity: Array(results.equity.array.prefix(n)), adjustedEquity: Array(results.adjustedEquity.array.prefix(n)),
            initialMargin: Array(results.initialMargin.array.prefix(n)),
            maintenanceMargin: Array(results.maintenanceMargin.array.prefix(n)),
            marginRatio: (0..<n).map { results.marginRatio($0) }, state: displayed,
            stale: [], largestExposure: [], dataAge: [])
        let indexAge = lastIndexTick.map { max(0, now - $0) }
        let markAge = lastMarkTick.map { t in t.map { max(0, now - $0) } ?? -1 }
        let exposure = mb.exposures(prices: prices, indexAge: indexAge, markAge: markAge)
        table.dataAge = exposure.dataAge
        table.stale = exposure.dataAge.map { $0 > limit }
        table.largestExposure = (0..<n).map { a in
            let x = Int(exposure.asset[a])
            return (x >= 0 ? m.assetNames[x] : "", exposure.notional[a])
        }
        var h = health
        h.oldestPriceAge = (0..<m.assetCount).filter { !m.stable[$0] }.map { now - lastIndexTick[$0] }.max() ?? 0
        h.rejectedUpdates = rejected.values.reduce(0, +)
        let quotes = (0..<m.assetCount).map { a in
            AssetQuote(name: m.assetNames[a], price: prices.assetPrice[a], reference: referencePrice[a],
                       age: max(0, now - lastIndexTick[a]), stale: !m.stable[a] && now - lastIndexTick[a] > limit,
                       stable: m.stable[a], volFactor: prices.volFactor[a], history: assetHistory[a].samples)
        }
        let s = summary()
        return LiveSnapshot(time: now, version: version, book: book, marginBook: mb, prices: prices, accounts: table,
                            priority: priorityOrder(), counts: s.counts, shortfall: s.shortfall,
                            insuranceFund: s.insuranceFund, assets: quotes, health: h, recentChanges: recentChanges)
    }
}
