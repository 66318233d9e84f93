import Foundation
import MarginCore

/// Settings of the live loop.
public struct LiveConfig: Sendable, Equatable {
    /// How far below a threshold an account's margin ratio must fall to leave a
    /// worse state (warning, danger, liquidatable), so rows do not flap.
    public var hysteresis: Double = 0.02
    /// EWMA decay of the vol factor (spec 5).
    public var ewmaLambda: Double = 0.94
    /// Index ticks an underlying needs before its vol factor leaves 1.
    public var volWarmupTicks: Int = 30
    /// Above this share of affected units a tick recomputes everything in the batch kernel.
    public var fullRecomputeShare: Double = 0.25
    /// How every account's distance to liquidation is kept current (``LiveEngine`` runs it).
    public var analysis = LiveAnalysisConfig()
    /// Whether option time value decays with the clock (live) or stays at the book's asOf (replays, tests).
    public var advanceTime: Bool = true
    /// Seconds between valuation-time steps when `advanceTime` is on. Moving `asOf` reprices
    /// every option and so every account holding one; in steps of a second, ticks in between stay
    /// incremental, and an option's value moves by at most one second of time decay.
    public var timeStep: Double = 1
    /// A full recompute is split across cores in chunks of at least this many units (0: never split).
    public var parallelChunkUnits: Int = 10_000
    public init() {}
}

/// An account moving from one state to another (after hysteresis).
public struct StateChange: Sendable, Equatable {
    public var time: Double
    public var account: Int
    public var accountId: String
    public var from: AccountState
    public var to: AccountState
    /// `nil` when infinite.
    public var marginRatio: Double?
    /// The price update that caused it, when one did.
    public var cause: PriceUpdate?
    /// The account's distance to liquidation as the engine knows it after the step (0 when
    /// liquidatable); `nil` when no move in range liquidates it or it is not analysed yet.
    public var distanceToLiquidation: Double?
}

/// Why an update was not applied.
public enum RejectReason: String, Sendable, CaseIterable {
    case unknownSymbol = "unknown symbol"
    case badValue = "non-finite, zero or negative value, or an iv above the maximum"

    /// The reason as a counter key, in the feeds' style (`unknown_symbol`).
    public var counterKey: String {
        switch self {
        case .unknownSymbol: "unknown_symbol"
        case .badValue: "bad_value"
        }
    }
}

/// The whole book in memory, kept current tick by tick.
///
/// A tick recomputes only the per-instrument values it changes and the units
/// exposed to them (an index from asset and instrument to units); beyond
/// `fullRecomputeShare` of the book it runs the batch kernel instead. Live
/// numbers are bit-identical to a fresh computation of the same book at the
/// same prices. Not thread-safe: one owner (an actor or a single task) drives it.
public final class LiveBook: @unchecked Sendable {
    public let config: LiveConfig
    public private(set) var book: Book
    public private(set) var marginBook: MarginBook
    /// The prices (and vol factors, and valuation time) the results rest on.
    public private(set) var prices: PriceState
    public private(set) var results: BookResults
    private var quotes: Quotes
    /// Account states after hysteresis (what the operator sees and alerts fire on).
    public private(set) var displayed: [AccountState]
    private var unitsOfAsset: [[Int32]] = []
    private var unitsOfInstrument: [[Int32]] = []
    private var touched: [UInt32] = []
    private var epoch: UInt32 = 0
    /// Last tick time per asset (index) and per instrument (mark), seconds; start time until the first tick.
    public private(set) var lastIndexTick: [Double]
    public private(set) var lastMarkTick: [Double?]
    /// Exchange time of the last index tick per asset, for the EWMA's time steps; `nil` until the
    /// asset's first tick (its price is then the book's stored one).
    private(set) var lastIndexExchangeTime: [Double?]
    private var vol: [VolEstimator]
    public private(set) var rejected: [RejectReason: Int] = [:]
    /// Units recomputed by the last `apply`, and whether it ran the full batch.
    public private(set) var lastRecomputed = 0
    public private(set) var lastWasFull = false
    /// Increases with every change of results, for caches keyed on it.
    public private(set) var version = 0
    /// Sparkline history per asset and per tracked account (by id), and the start prices.
    var assetHistory: [HistoryRing]
    /// Tracked accounts' rings, their slots by id, and each account's slot in ``marginBook``
    /// (`-1`: none; emptied when the book is recompiled, laid out again by the next sample).
    var accountRings: [HistoryRing] = []
    var ringSlot: [String: Int32] = [:]
    var accountRingSlot: [Int32] = []
    public private(set) var referencePrice: [Double]
    /// The last state changes, newest last (at most `recentChangeLimit`).
    public private(set) var recentChanges: [StateChange] = []
    public static let recentChangeLimit = 200
    /// Increases with every recompilation of the book (``marginBook``): analyses of an older
    /// generation are dropped.
    public private(set) var generation = 0
    /// Every account's latest distance to liquidation and liquidation prices.
    public internal(set) var analysis: AnalysisTable
    /// The batch analysis of ``marginBook``.
    public private(set) var analyzer: BatchAnalyzer
    /// ``marginBook``'s rows laid out for the snapshot's exposures and data ages.
    public private(set) var exposureIndex: ExposureIndex

    public init(book: Book, config: LiveConfig = LiveConfig(), now: Double) {
        self.config = config
        self.book = book
        let mb = MarginBook(book: book)
        marginBook = mb
        prices = PriceState(book: book, asOf: config.advanceTime ? now : nil)
        quotes = Quotes(market: mb.market, portfolio: mb.usesPortfolio, es: mb.usesES)
        results = BookResults(unitCount: mb.unitCount)
        displayed = []
        lastIndexTick = Array(repeating: now, count: book.assets.count)
        lastMarkTick = Array(repeating: nil, count: book.instruments.count)
        lastIndexExchangeTime = Array(repeating: nil, count: book.assets.count)
        vol = book.assets.map { _ in VolEstimator() }
        assetHistory = book.assets.map { _ in HistoryRing() }
        referencePrice = book.assets.map(\.effectivePrice)
        analyzer = BatchAnalyzer(book: mb)
        exposureIndex = ExposureIndex(mb)
        analysis = AnalysisTable()
        rebuild()
        let r = results
        analysis = AnalysisTable(book: mb, generation: 0, now: now, marginRatio: { r.marginRatio($0) })
    }

    /// Recompiles after account changes, keeping the live prices; returns state changes.
    @discardableResult
    public func replace(book newBook: Book, now: Double) -> [StateChange] {
        let old = Dictionary(uniqueKeysWithValues: book.accounts.enumerated().map { ($1.id, displayed[$0]) })
        var carried = PriceState(book: newBook, asOf: prices.asOf)
        let m = marginBook.market
        for (a, name) in m.assetNames.enumerated() {
            guard let na = newBook.assets.firstIndex(where: { $0.name == name }) else { continue }
            carried.assetPrice[na] = prices.assetPrice[a]
            carried.volFactor[na] = prices.volFactor[a]
            carried.assetVol[na] = prices.assetVol[a]
        }
        for (i, name) in m.instrumentNames.enumerated() {
            guard let ni = newBook.instruments.firstIndex(where: { $0.name == name }) else { continue }
            carried.mark[ni] = prices.mark[i]
            carried.iv[ni] = prices.iv[i]
        }
        let sameMarket =
            newBook.assets.map(\.name) == book.assets.map(\.name)
            && newBook.instruments.map(\.name) == book.instruments.map(\.name)
        let oldBook = book
        let oldTable = analysis
        book = newBook
        marginBook = MarginBook(book: newBook)
        prices = carried
        quotes = Quotes(market: marginBook.market, portfolio: marginBook.usesPortfolio, es: marginBook.usesES)
        results = BookResults(unitCount: marginBook.unitCount)
        if !sameMarket {
            lastIndexTick = Array(repeating: now, count: newBook.assets.count)
            lastMarkTick = Array(repeating: nil, count: newBook.instruments.count)
            lastIndexExchangeTime = Array(repeating: nil, count: newBook.assets.count)
            vol = newBook.assets.map { _ in VolEstimator() }
            assetHistory = newBook.assets.map { _ in HistoryRing() }
            referencePrice = carried.assetPrice
        }
        rebuild(previous: old)
        accountRingSlot = []
        generation += 1
        analyzer = BatchAnalyzer(book: marginBook)
        exposureIndex = ExposureIndex(marginBook)
        // An unchanged account on an unchanged market keeps its analysis (it holds at the prices it was made at).
        var from = [Int?](repeating: nil, count: newBook.accounts.count)
        if newBook.assets == oldBook.assets && newBook.instruments == oldBook.instruments
            && newBook.venues == oldBook.venues && newBook.defaults == oldBook.defaults
            && newBook.history == oldBook.history
        {
            let oldIndex = Dictionary(oldBook.accounts.enumerated().map { ($1.id, $0) }) { a, _ in a }
            for (a, acct) in newBook.accounts.enumerated() {
                if let o = oldIndex[acct.id], oldBook.accounts[o] == acct { from[a] = o }
            }
        }
        let r = results
        analysis = AnalysisTable(
            book: marginBook, generation: generation, now: now, marginRatio: { r.marginRatio($0) },
            carried: (oldTable, from))
        var changes: [StateChange] = []
        for (a, acct) in newBook.accounts.enumerated() {
            if let was = old[acct.id], was != displayed[a] {
                changes.append(change(a, from: was, to: displayed[a], now: now, cause: nil))
            }
        }
        remember(changes)
        return changes
    }

    private func rebuild(previous: [String: AccountState] = [:]) {
        let mb = marginBook
        quotes.update(prices)
        computeAll()
        displayed = (0..<mb.accountCount).map { a in
            guard !previous.isEmpty, let was = previous[mb.accountIds[a]] else { return results.state[a] }
            return withHysteresis(a, was: was)
        }
        // Units by asset and by instrument, each list in unit order; an asset is listed once a
        // unit (marked with the unit), without a set or an array per unit.
        var ofAsset = Array(repeating: [Int32](), count: mb.market.assetCount)
        var ofInst = Array(repeating: [Int32](), count: mb.market.instrumentCount)
        var listed = [Int32](repeating: -1, count: mb.market.assetCount)
        for u in 0..<mb.unitCount {
            let unit = Int32(u)
            mb.forEachInstrument(ofUnit: u) { ofInst[$0].append(unit) }
            mb.forEachHeldAsset(ofUnit: u) { a in
                if listed[a] != unit {
                    listed[a] = unit
                    ofAsset[a].append(unit)
                }
            }
        }
        unitsOfAsset = ofAsset
        unitsOfInstrument = ofInst
        touched = Array(repeating: 0, count: mb.unitCount)
        version += 1
    }

    /// Where `u` lands in this book, or nil when the book has no such symbol for its kind
    /// (a mark for an option, an iv for a perpetual).
    public func slot(for u: PriceUpdate) -> PriceSlot? {
        let m = marginBook.market
        switch u.kind {
        case .index:
            return m.assetIndex[u.symbol].map { .index(asset: $0) }
        case .mark:
            guard let i = m.instrumentIndex[u.symbol], m.kind[i] != .option else { return nil }
            return .mark(instrument: i)
        case .iv:
            if let i = m.instrumentIndex[u.symbol], m.kind[i] == .option { return .optionVol(instrument: i) }
            return m.assetIndex[u.symbol].map { .assetVol(asset: $0) }
        }
    }

    /// Validates and resolves `u` (``PriceUpdate/isValid``, then ``slot(for:)``), counting it
    /// in ``rejected`` when it fails either.
    public func resolve(_ u: PriceUpdate) -> PriceSlot? {
        guard u.isValid else {
            rejected[.badValue, default: 0] += 1
            return nil
        }
        guard let slot = slot(for: u) else {
            rejected[.unknownSymbol, default: 0] += 1
            return nil
        }
        return slot
    }

    /// Applies coalesced updates at time `now` and recomputes what they touch.
    /// Returns the state changes they caused, in account order.
    @discardableResult
    public func apply(_ updates: [PriceUpdate], now: Double) -> [StateChange] {
        apply(resolved: updates.compactMap { u in resolve(u).map { (slot: $0, update: u) } }, now: now)
    }

    /// Applies updates already resolved against this book (by ``resolve(_:)``) at time `now`.
    @discardableResult
    public func apply(resolved updates: [(slot: PriceSlot, update: PriceUpdate)], now: Double) -> [StateChange] {
        let m = marginBook.market
        var changedAssets = Set<Int>()
        var changedInstruments = Set<Int>()
        var causeOfAsset: [Int: PriceUpdate] = [:]
        var causeOfInstrument: [Int: PriceUpdate] = [:]
        for (slot, u) in updates {
            switch slot {
            case .index(let a):
                let previous = prices.assetPrice[a]
                vol[a].seen += 1
                if let last = lastIndexExchangeTime[a] {
                    vol[a].observe(
                        logReturn: log(u.value / previous), years: (u.exchangeTime - last) / (365 * 86400),
                        lambda: config.ewmaLambda)
                }
                lastIndexExchangeTime[a] = max(lastIndexExchangeTime[a] ?? u.exchangeTime, u.exchangeTime)
                lastIndexTick[a] = max(lastIndexTick[a], u.receiveTime)
                prices.assetPrice[a] = u.value
                prices.volFactor[a] = vol[a].factor(
                    baseVol: m.vol[a], maxFactor: m.params.volFactorMax,
                    warmup: config.volWarmupTicks)
                changedAssets.insert(a)
                causeOfAsset[a] = u
            case .mark(let i):
                prices.mark[i] = u.value
                lastMarkTick[i] = max(lastMarkTick[i] ?? u.receiveTime, u.receiveTime)
                changedInstruments.insert(i)
                causeOfInstrument[i] = u
            case .optionVol(let i):
                prices.iv[i] = u.value
                changedInstruments.insert(i)
                causeOfInstrument[i] = u
            case .assetVol(let a):
                prices.assetVol[a] = u.value
                for i in m.instrumentsOfAsset[a] where m.kind[i] == .option && prices.iv[i] == nil {
                    changedInstruments.insert(i)
                    causeOfInstrument[i] = u
                }
            }
        }
        if config.advanceTime, now >= prices.asOf + config.timeStep {
            prices.asOf = now
            for i in 0..<m.instrumentCount where m.kind[i] == .option { changedInstruments.insert(i) }
        }
        for a in changedAssets { changedInstruments.formUnion(m.instrumentsOfAsset[a]) }
        guard !changedAssets.isEmpty || !changedInstruments.isEmpty else {
            lastRecomputed = 0
            return []
        }
        quotes.update(prices, instruments: changedInstruments.sorted(), assets: changedAssets.sorted())

        let mb = marginBook
        // Units exposed to what changed. An upper bound first (instruments of a changed asset
        // are counted with the asset): past the share, recompute everything without listing them.
        var bound = 0
        for a in changedAssets { bound += unitsOfAsset[a].count }
        for i in changedInstruments where !changedAssets.contains(m.underlying[i]) {
            bound += unitsOfInstrument[i].count
        }
        var changes: [StateChange] = []
        let causeAssets = causeOfAsset.keys.sorted()
        func noteChange(_ a: Int) {
            let next = withHysteresis(a, was: displayed[a])
            guard next != displayed[a] else { return }
            var cause: PriceUpdate?
            if !causeOfInstrument.isEmpty,
                let i = mb.firstInstrument(ofUnit: a, where: { causeOfInstrument[$0] != nil })
            {
                cause = causeOfInstrument[i]
            }
            // The lowest exposed asset, not the dictionary's order (which differs from run to run):
            // a replay names the same cause every time.
            if cause == nil, let x = causeAssets.first(where: { exposure(a, $0) }) { cause = causeOfAsset[x] }
            changes.append(change(a, from: displayed[a], to: next, now: now, cause: cause))
            displayed[a] = next
        }
        if Double(bound) > config.fullRecomputeShare * Double(mb.unitCount) {
            computeAll()
            lastWasFull = true
            lastRecomputed = mb.unitCount
            version += 1
            for a in 0..<mb.accountCount { noteChange(a) }
        } else {
            // Deduplicated with an epoch mark.
            epoch &+= 1
            if epoch == 0 {
                touched = Array(repeating: 0, count: touched.count)
                epoch = 1
            }
            var affected: [Int32] = []
            for a in changedAssets {
                for u in unitsOfAsset[a] where touched[Int(u)] != epoch {
                    touched[Int(u)] = epoch
                    affected.append(u)
                }
            }
            for i in changedInstruments {
                for u in unitsOfInstrument[i] where touched[Int(u)] != epoch {
                    touched[Int(u)] = epoch
                    affected.append(u)
                }
            }
            let ev = Evaluator(book: mb)
            for u in affected {
                results.store(Int(u), ev.evaluate(Int(u), quotes), warn: m.params.warn, danger: m.params.danger)
            }
            lastWasFull = false
            lastRecomputed = affected.count
            version += 1
            for u in affected where Int(u) < mb.accountCount { noteChange(Int(u)) }
        }
        changes.sort { $0.account < $1.account }
        remember(changes)
        return changes
    }

    /// Every unit in the batch kernel; a big book is split across the cores (units are
    /// independent, so the bits are the same as one pass), in a few chunks a core, so a core
    /// that another thread holds for a while (the analysis) leaves its share to the others.
    private func computeAll() {
        let mb = marginBook
        let q = quotes
        let r = results
        let n = mb.unitCount
        let perChunk = config.parallelChunkUnits
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let chunks = perChunk > 0 && cores > 1 ? min(4 * cores, max(1, n / perChunk), 32) : 1
        guard chunks > 1 else {
            mb.computeAll(q, into: r)
            return
        }
        DispatchQueue.concurrentPerform(iterations: chunks) { c in
            mb.compute(n * c / chunks..<n * (c + 1) / chunks, q, into: r)
        }
    }

    private func remember(_ changes: [StateChange]) {
        guard !changes.isEmpty else { return }
        recentChanges.append(contentsOf: changes)
        if recentChanges.count > LiveBook.recentChangeLimit {
            recentChanges.removeFirst(recentChanges.count - LiveBook.recentChangeLimit)
        }
    }

    /// Whether unit `a` is exposed to `asset` (binary search: the lists are sorted).
    private func exposure(_ a: Int, _ asset: Int) -> Bool {
        let list = unitsOfAsset[asset]
        var lo = 0
        var hi = list.count
        let key = Int32(a)
        while lo < hi {
            let mid = (lo + hi) / 2
            if list[mid] < key { lo = mid + 1 } else { hi = mid }
        }
        return lo < list.count && list[lo] == key
    }

    private func change(_ a: Int, from: AccountState, to: AccountState, now: Double, cause: PriceUpdate?) -> StateChange
    {
        let mr = results.marginRatio(a)
        return StateChange(
            time: now, account: a, accountId: marginBook.accountIds[a], from: from, to: to,
            marginRatio: mr.isFinite ? mr : nil, cause: cause)
    }

    /// The displayed state: worsening at once; improving only once the ratio
    /// is `hysteresis` below the threshold being left.
    func withHysteresis(_ a: Int, was: AccountState) -> AccountState {
        let raw = results.state[a]
        guard raw < was else { return raw }
        let p = marginBook.market.params
        let h = config.hysteresis
        var shifted = Health.state(
            equity: results.equity[a], adjustedEquity: results.adjustedEquity[a],
            maintenanceMargin: results.maintenanceMargin[a], warn: p.warn - h, danger: p.danger - h)
        if shifted < .liquidatable && results.marginRatio(a) >= 1 - h { shifted = .liquidatable }
        return max(raw, min(was, shifted))
    }

    // MARK: - Reading

    /// Whether asset `a`'s index is stale at `now` (spec 5).
    public func isStale(asset a: Int, now: Double) -> Bool {
        now - lastIndexTick[a] > marginBook.market.params.staleAfterSeconds
    }

    /// Whether account `a`'s health rests on a stale price (an index it is exposed
    /// to, or a fed mark of an instrument it holds, in its pool or an isolated bucket).
    public func isStale(account a: Int, now: Double) -> Bool {
        let m = marginBook.market
        let limit = m.params.staleAfterSeconds
        let buckets = marginBook.bucketStart[a]..<marginBook.bucketStart[a + 1]
        for u in [a] + buckets {
            for i in marginBook.instruments(ofUnit: u) {
                if let t = lastMarkTick[i], now - t > limit { return true }
                if now - lastIndexTick[m.underlying[i]] > limit && !m.stable[m.underlying[i]] { return true }
            }
        }
        for asset in marginBook.collateralAssets(ofUnit: a) where !m.stable[asset] {
            if now - lastIndexTick[asset] > limit { return true }
        }
        return false
    }

    /// The vol factor of each asset now.
    public var volFactors: [Double] { prices.volFactor }
}

/// EWMA of annualised variance from log returns scaled by their time step.
struct VolEstimator: Sendable {
    var variance = 0.0
    /// Returns observed, and index ticks seen (the first tick has no return).
    var ticks = 0
    var seen = 0

    mutating func observe(logReturn r: Double, years dt: Double, lambda: Double) {
        guard dt > 0, r.isFinite else { return }
        let sample = r * r / dt
        variance = ticks == 0 ? sample : lambda * variance + (1 - lambda) * sample
        ticks += 1
    }

    /// `clamp(sigmaEWMA / vol, 1, maxFactor)` once `warmup` ticks were seen; 1 before, or without a base vol.
    func factor(baseVol: Double?, maxFactor: Double, warmup: Int) -> Double {
        guard seen >= warmup, ticks > 0, let v = baseVol, v > 0 else { return 1 }
        return min(max(variance.squareRoot() / v, 1), maxFactor)
    }
}
