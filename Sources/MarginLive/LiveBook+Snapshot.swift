import Foundation
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
        let n = marginBook.accountCount
        // Each account's ring by index, not by id: a second's sample hashes no ids.
        if accountRingSlot.count != n { accountRingSlot = marginBook.accountIds.map { ringSlot[$0] ?? -1 } }
        for a in 0..<n {
            var slot = Int(accountRingSlot[a])
            if slot < 0 {
                guard displayed[a] != .safe, accountRings.count < LiveBook.trackedAccountLimit else { continue }
                slot = startRing(marginBook.accountIds[a])
                accountRingSlot[a] = Int32(slot)
            }
            let mr = results.marginRatio(a)
            accountRings[slot].record(mr.isFinite ? mr : 10, at: now)
        }
    }

    /// The slot of a new ring for `id`.
    private func startRing(_ id: String) -> Int {
        let slot = accountRings.count
        accountRings.append(HistoryRing())
        ringSlot[id] = Int32(slot)
        return slot
    }

    /// Starts keeping the margin-ratio history of an account (a drill-down asks for it).
    public func track(accountId: String) {
        if ringSlot[accountId] == nil, accountRings.count < LiveBook.trackedAccountLimit {
            _ = startRing(accountId)
            accountRingSlot = []
        }
    }

    /// 1-second margin-ratio samples of an account, oldest first (infinite ratios are recorded as 10).
    public func marginRatioHistory(accountId: String) -> [Double] {
        ringSlot[accountId].map { accountRings[Int($0)].samples } ?? []
    }

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

    /// Ranks, counts and measures exposures and data ages: the costly part, off the engine. A big
    /// book is worked out in parts on every core (each account's figures are its own; the
    /// counts are summed, the shortfall in account order), the priority order beside them.
    public func finish() -> LiveSnapshot {
        finish(parts: marginBook.accountCount >= Self.partAccounts ? ProcessInfo.processInfo.activeProcessorCount : 1)
    }

    /// ``finish()`` in `parts` parts (at most 8), `1` on the calling thread alone.
    func finish(parts requested: Int) -> LiveSnapshot {
        let mb = marginBook
        let m = mb.market
        let n = mb.accountCount
        let now = time
        let limit = m.params.staleAfterSeconds
        let indexAge = lastIndexTick.map { max(0, now - $0) }
        let markAge = lastMarkTick.map { t in t.map { max(0, now - $0) } ?? -1 }
        let values = ExposureIndex.Values(exposureIndex, mb, prices: prices, indexAge: indexAge, markAge: markAge)
        // The per-account columns, written in place.
        let analysed = analysis.count == n
        var distance = analysed ? analysis.distance : []
        var analysedAt = analysed ? analysis.analysedAt : []
        var ratio = [Double](repeating: 0, count: n)
        var stale = [Bool](repeating: false, count: n)
        var held = [Bool](repeating: false, count: n)
        var largest = [(asset: String, notional: Double)](repeating: ("", 0), count: n)
        var dataAge = [Double](repeating: 0, count: n)
        let parts = max(1, min(requested, 8, n))
        var perState = [[Int]](repeating: [Int](repeating: 0, count: AccountState.allCases.count), count: parts)
        var priority: [Int] = []
        let asset = UnsafeMutablePointer<Int32>.allocate(capacity: max(n, 1))
        let notional = UnsafeMutablePointer<Double>.allocate(capacity: max(n, 1))
        defer {
            asset.deallocate()
            notional.deallocate()
        }
        // An empty book has no columns to write (and its buffers no addresses).
        if n > 0 {
            withColumns(&distance, &analysedAt, &ratio, &stale) { distance, analysedAt, ratio, stale in
                withColumns(&held, &largest, &dataAge, &perState) { held, largest, dataAge, perState in
                    let work = SnapshotParts(
                        capture: self, values: values, parts: parts, analysed: analysed,
                        asset: asset, notional: notional,
                        distance: distance.baseAddress, analysedAt: analysedAt.baseAddress,
                        ratio: ratio.baseAddress!, stale: stale.baseAddress!, held: held.baseAddress!,
                        largest: largest.baseAddress!, dataAge: dataAge.baseAddress!, perState: perState.baseAddress!)
                    if parts == 1 {
                        work.run(0)
                        priority = rank()
                    } else {
                        let ranked = RankBox()
                        DispatchQueue.concurrentPerform(iterations: parts + 1) { p in
                            if p == parts { ranked.order = work.capture.rank() } else { work.run(p) }
                        }
                        priority = ranked.order
                    }
                }
            }
        }
        var shortfall = 0.0
        for a in 0..<n where rawState[a] == .bankrupt { shortfall += -equity[a] }
        var table = AccountTable(
            ids: mb.accountIds, names: mb.accountNames,
            models: Array(UnsafeBufferPointer(start: mb.model.base, count: n)),
            equity: equity, adjustedEquity: adjustedEquity, initialMargin: initialMargin,
            maintenanceMargin: maintenanceMargin,
            marginRatio: ratio, state: displayed, stale: stale, largestExposure: largest, dataAge: dataAge)
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
        for st in AccountState.allCases { counts[st] = perState.reduce(0) { $0 + $1[st.rawValue] } }
        var snap = LiveSnapshot(
            time: now, version: version, book: book, marginBook: mb, prices: prices, accounts: table,
            priority: priority, counts: counts, shortfall: shortfall,
            insuranceFund: book.insuranceFund, assets: quotes, health: h, recentChanges: recentChanges)
        snap.oldestNewUpdate = oldestNewUpdate
        return snap
    }

    /// From this many accounts a snapshot is worked out in parts on every core.
    static let partAccounts = 20_000

    /// The liquidation priority of the copied columns.
    fileprivate func rank() -> [Int] {
        rawState.withUnsafeBufferPointer { st in
            adjustedEquity.withUnsafeBufferPointer { ae in
                maintenanceMargin.withUnsafeBufferPointer { mm in
                    BookResults.priorityOrder(
                        count: marginBook.accountCount, state: st, adjustedEquity: ae, maintenanceMargin: mm,
                        ids: marginBook.accountIds)
                }
            }
        }
    }
}

/// The per-account columns of a snapshot, worked out in parts (each part writes its own accounts).
private struct SnapshotParts: @unchecked Sendable {
    let capture: SnapshotCapture
    let values: ExposureIndex.Values
    let parts: Int
    let analysed: Bool
    let asset: UnsafeMutablePointer<Int32>, notional: UnsafeMutablePointer<Double>
    let distance: UnsafeMutablePointer<Double>?, analysedAt: UnsafeMutablePointer<Double>?
    let ratio: UnsafeMutablePointer<Double>, stale: UnsafeMutablePointer<Bool>, held: UnsafeMutablePointer<Bool>
    let largest: UnsafeMutablePointer<(asset: String, notional: Double)>
    let dataAge: UnsafeMutablePointer<Double>
    let perState: UnsafeMutablePointer<[Int]>

    func run(_ p: Int) {
        let c = capture
        let m = c.marginBook.market
        let n = c.marginBook.accountCount
        let limit = m.params.staleAfterSeconds
        let range = n * p / parts..<n * (p + 1) / parts
        c.exposureIndex.exposures(range, values, asset: asset, notional: notional, dataAge: dataAge)
        var counts = [Int](repeating: 0, count: AccountState.allCases.count)
        for a in range {
            let ae = c.adjustedEquity[a]
            let mm = c.maintenanceMargin[a]
            ratio[a] = Health.marginRatio(adjustedEquity: ae, maintenanceMargin: mm)
            // Liquidatable at these prices: distance 0, known now (the batch analysis's own test).
            if analysed, let distance, let analysedAt,
                Health.isLiquidatable(adjustedEquity: ae, maintenanceMargin: mm)
            {
                distance[a] = 0
                analysedAt[a] = c.time
            }
            stale[a] = dataAge[a] > limit
            held[a] = c.displayed[a] > c.rawState[a]
            let x = Int(asset[a])
            largest[a] = (x >= 0 ? m.assetNames[x] : "", notional[a])
            counts[c.displayed[a].rawValue] += 1
        }
        perState[p] = counts
    }
}

/// The priority order, ranked on a thread of its own beside the parts of a snapshot.
private final class RankBox: @unchecked Sendable {
    var order: [Int] = []
}

/// Four columns' buffers at once, for parts written on several threads (each its own indices).
private func withColumns<A, B, C, D>(
    _ a: inout [A], _ b: inout [B], _ c: inout [C], _ d: inout [D],
    _ body: (
        UnsafeMutableBufferPointer<A>, UnsafeMutableBufferPointer<B>, UnsafeMutableBufferPointer<C>,
        UnsafeMutableBufferPointer<D>
    ) -> Void
) {
    a.withUnsafeMutableBufferPointer { a in
        b.withUnsafeMutableBufferPointer { b in
            c.withUnsafeMutableBufferPointer { c in
                d.withUnsafeMutableBufferPointer { d in body(a, b, c, d) }
            }
        }
    }
}
