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

    /// Per asset, the notional it carries in account `a`: positions `|net| * value` by underlying plus `|amount * P|`.
    func largestExposure(_ a: Int) -> (asset: String, notional: Double) {
        let m = marginBook.market
        var by: [Int: Double] = [:]
        for (i, net, _) in marginBook.netExposure(ofUnit: a) {
            let v = m.kind[i] == .option ? prices.assetPrice[m.underlying[i]] : prices.markPrice(i, m)
            by[m.underlying[i], default: 0] += abs(net) * v
        }
        for (asset, amount) in marginBook.collateral(ofUnit: a) where !m.stable[asset] {
            by[asset, default: 0] += abs(amount) * prices.assetPrice[asset]
        }
        guard let top = by.max(by: { $0.value < $1.value || ($0.value == $1.value && $0.key > $1.key) }) else { return ("", 0) }
        return (m.assetNames[top.key], top.value)
    }

    /// Age of the oldest price account `a` rests on, seconds (0 when it rests on stables only).
    func dataAge(_ a: Int, now: Double) -> Double {
        let m = marginBook.market
        var age = 0.0
        for i in marginBook.instruments(ofUnit: a) {
            let u = m.underlying[i]
            if !m.stable[u] { age = max(age, now - lastIndexTick[u]) }
            if let t = lastMarkTick[i] { age = max(age, now - t) }
        }
        for asset in marginBook.collateralAssets(ofUnit: a) where !m.stable[asset] {
            age = max(age, now - lastIndexTick[asset])
        }
        return max(0, age)
    }

    /// An immutable picture of everything, for the screen or a watcher.
    public func snapshot(now: Double, health: LoopHealth = LoopHealth()) -> LiveSnapshot {
        let mb = marginBook
        let m = mb.market
        let n = mb.accountCount
        let limit = m.params.staleAfterSeconds
        var table = AccountTable(
            ids: mb.accountIds, names: mb.accountNames, models: (0..<n).map { mb.model[$0] },
            equity: (0..<n).map { results.equity[$0] }, adjustedEquity: (0..<n).map { results.adjustedEquity[$0] },
            initialMargin: (0..<n).map { results.initialMargin[$0] },
            maintenanceMargin: (0..<n).map { results.maintenanceMargin[$0] },
            marginRatio: (0..<n).map { results.marginRatio($0) }, state: displayed,
            stale: [], largestExposure: [], dataAge: [])
        table.dataAge = (0..<n).map { dataAge($0, now: now) }
        table.stale = table.dataAge.map { $0 > limit }
        table.largestExposure = (0..<n).map { largestExposure($0) }
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
