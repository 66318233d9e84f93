import MarginCore

/// Owns a ``LiveBook`` and drives it: updates are submitted as they arrive
/// (coalesced per symbol), `step` applies what is pending and recomputes,
/// `sample` keeps the 1-second history, `snapshot` publishes.
///
/// Each step also keeps every account's distance to liquidation current
/// (``LiveAnalysisConfig``): in the background by default, so the analysis never delays a
/// step or a snapshot, or inside the step (``LiveAnalysisConfig/Mode/synchronous``).
///
/// Ticks that arrive faster than `step` runs are coalesced, so the backlog is
/// bounded by the number of symbols, never by the feed rate.
public actor LiveEngine {
    private let live: LiveBook
    private var pending = TickCoalescer()
    private var oldestPending: Double?
    private var stats = LoopStats()
    private var feedStatus = "connecting"
    private var feedIsLive = false
    private var feedName = ""
    private var feedFinished = false
    private var feedNotLiveSince: Double?
    private var feedDownReason: String?
    private var lastTickTime: Double?
    private var storeStatus = "connected"
    private var feedRejected: [String: Int] = [:]
    private var lastSample = -Double.infinity
    public private(set) var steps = 0
    public private(set) var coalescedTotal = 0
    /// The oldest update applied since the last snapshot was captured (its receive time).
    private var unpublishedOldest: Double?
    /// Reads the time a step's results are published (after its recompute); without one, the step's `now`.
    private let clock: (@Sendable () -> Double)?
    private var scheduler = AnalysisScheduler()
    private let worker: AnalysisWorker
    private var lastLaunch = -Double.infinity
    private var nearTracker: NearTracker?
    private var nearChanges: [NearChange] = []

    /// - Parameter clock: the wall clock, so latency covers the recompute itself; leave it out for
    ///   deterministic tests (latency is then measured to the step's `now`).
    public init(book: Book, config: LiveConfig = LiveConfig(), now: Double, clock: (@Sendable () -> Double)? = nil) {
        live = LiveBook(book: book, config: config, now: now)
        // Helper threads only where passes run in the background (a synchronous pass uses Dispatch's).
        worker = AnalysisWorker(
            nice: config.analysis.nice, threads: config.analysis.mode == .background ? config.analysis.threads : 1)
        self.clock = clock
        feedNotLiveSince = now
    }

    /// Queues updates received at `receivedAt` (seconds since the epoch). Each is validated and
    /// its symbol resolved here, once; invalid and unknown ones are counted and dropped.
    public func submit(_ updates: [PriceUpdate], receivedAt: Double) {
        guard !updates.isEmpty else { return }
        for u in updates {
            if let slot = live.resolve(u) {
                pending.add(u, at: slot)
                lastTickTime = max(lastTickTime ?? receivedAt, receivedAt)
            }
        }
        if oldestPending == nil { oldestPending = receivedAt }
        stats.received(updates.count, at: receivedAt)
    }

    /// Updates waiting for the next step (one per symbol at most).
    public var backlog: Int { pending.pending }

    /// Applies pending updates at `now`; returns the state changes they caused.
    public func step(now: Double) -> [StateChange] {
        coalescedTotal += pending.coalesced
        let batch = pending.drain()
        let oldest = oldestPending
        oldestPending = nil
        var changes = live.apply(resolved: batch, now: now)
        analyse(now: now, changed: changes.map(\.account))
        for k in changes.indices { changes[k].distanceToLiquidation = live.knownDistance(changes[k].account) }
        if let oldest, !batch.isEmpty {
            unpublishedOldest = min(unpublishedOldest ?? oldest, oldest)
            stats.record(updates: batch.count, oldestReceived: oldest, published: clock?() ?? now)
        }
        if now - lastSample >= 1 {
            live.sample(now: now)
            lastSample = now
        }
        steps += 1
        return changes
    }

    /// Replaces the book after account changes (prices carried over). Unchanged accounts keep
    /// their analyses; a background pass still running on the old book is dropped.
    public func replace(book: Book, now: Double) -> [StateChange] {
        var changes = live.replace(book: book, now: now)
        // Pending slots index the old markets.
        pending.reresolve { live.slot(for: $0) }
        scheduler.noteChanged(changes.map(\.account), table: live.analysis, now: now)
        for k in changes.indices { changes[k].distanceToLiquidation = live.knownDistance(changes[k].account) }
        return changes
    }

    /// One step's share of the analysis: a synchronous pass, or (background) taking a finished
    /// pass and starting the next.
    private func analyse(now: Double, changed: [Int]) {
        let config = live.config.analysis
        switch config.mode {
        case .off:
            return
        case .synchronous:
            scheduler.noteChanged(changed, table: live.analysis, now: now)
            let plan = scheduler.plan(
                live.analysis, prices: live.prices, now: now, config: config, synchronous: true)
            live.analyse(plan, now: now, threads: config.threads)
            trackNear(plan.all)
        case .background:
            scheduler.noteChanged(changed, table: live.analysis, now: now)
            let (idle, finished) = worker.poll()
            if let done = finished, live.install(done.table) {
                scheduler.finished(accounts: done.accounts.count, seconds: done.seconds)
                trackNear(done.accounts)
            }
            guard idle, now - lastLaunch >= config.minPassInterval else { return }
            let live = self.live
            let plan = scheduler.plan(
                live.analysis, prices: live.prices, now: now, config: config, synchronous: false,
                skip: { live.isLiquidatableNow($0) })
            // Distance 0 as of now, so an account that hovers at AE = MM (liquidatable at every
            // plan, not in between) is never older than the last pass that saw it liquidatable.
            live.analysis.recordLiquidatable(plan.liquidatable, prices: live.prices, time: now)
            trackNear(plan.liquidatable)
            guard !plan.isEmpty else { return }
            lastLaunch = now
            worker.start(
                live.analysis, plan: plan, analyzer: live.analyzer, prices: live.prices, time: now,
                threads: config.threads)
        }
    }

    private func trackNear(_ accounts: [Int]) {
        guard nearTracker != nil, !accounts.isEmpty else { return }
        nearChanges += nearTracker?.update(accounts, table: live.analysis, ids: live.marginBook.accountIds) ?? []
    }

    /// Starts reporting accounts that come within `threshold` of liquidation and leave it
    /// (``NearTracker``); collect them with ``takeNearChanges()``. Accounts already analysed
    /// are judged at once.
    public func watchNear(threshold: Double) {
        nearTracker = NearTracker(threshold: threshold)
        trackNear(Array(0..<live.analysis.count))
    }

    /// The near changes since the last call, in the order they were found.
    public func takeNearChanges() -> [NearChange] {
        defer { nearChanges = [] }
        return nearChanges
    }

    /// The analysis table as it stands (for tests).
    var analysisTable: AnalysisTable { live.analysis }

    /// How old the analyses are at `now`, and the rotation's pace.
    public func analysisStatus(now: Double) -> AnalysisStatus {
        let t = live.analysis
        let band = live.config.analysis.nearBand
        var s = AnalysisStatus()
        for a in 0..<t.count {
            if t.analysedAt[a] == -.infinity { s.neverAnalysed += 1 }
            // Liquidatable at the live prices: its distance, 0, is known now.
            let age = live.isLiquidatableNow(a) ? 0 : max(0, t.age(a, now: now))
            s.oldestAge = max(s.oldestAge, age)
            if live.isLiquidatableNow(a) || abs(t.distance[a]) < band {
                s.nearAccounts += 1
                s.oldestNearAge = max(s.oldestNearAge, age)
            }
        }
        s.lastCycleSeconds = scheduler.lastCycleSeconds
        s.cycleEstimateSeconds = scheduler.cycleEstimate(t.count, config: live.config.analysis)
        s.passes = scheduler.passes
        s.lastChunk = scheduler.lastChunk
        s.secondsPerAccount = scheduler.secondsPerAccount
        return s
    }

    /// Waits until no background pass is running (its results are taken by the next step).
    public func waitForAnalysis() async {
        await worker.waitUntilIdle()
    }

    /// The feed's status as the health shows it (`text`), and what the screen needs to be honest
    /// about it: whether prices can be trusted as current, whether the feed has ended, why it
    /// went down. `time` is when the status began; the first status that is not live after a
    /// live one starts ``LoopHealth/feedNotLiveSince``.
    public func setFeedStatus(
        _ text: String, isLive: Bool, name: String? = nil, finished: Bool = false, downReason: String? = nil,
        at time: Double? = nil
    ) {
        feedStatus = text
        feedIsLive = isLive
        feedFinished = finished
        if let name { feedName = name }
        if isLive {
            feedNotLiveSince = nil
            feedDownReason = nil
        } else {
            if feedNotLiveSince == nil { feedNotLiveSince = time ?? clock?() }
            if let downReason { feedDownReason = downReason }
        }
    }

    public func setStoreStatus(_ status: String) { storeStatus = status }

    /// The live book's own refusals by reason (`unknown_symbol`, `bad_value`).
    public func bookRejections() -> [String: Int] {
        var out: [String: Int] = [:]
        for (reason, n) in live.rejected { out[reason.counterKey] = n }
        return out
    }

    /// The feed's rejections by reason (its counters), shown with the health.
    public func setFeedRejections(_ rejected: [String: Int]) { feedRejected = rejected }

    /// The loop's health now.
    public func health(now: Double) -> LoopHealth {
        var h = LoopHealth(
            feedStatus: feedStatus, feedIsLive: feedIsLive, storeStatus: storeStatus,
            ticksPerSecond: stats.ticksPerSecond(now: now), recomputeP50Ms: stats.latencyPercentile(0.5),
            recomputeP99Ms: stats.latencyPercentile(0.99), feedRejected: feedRejected)
        h.feedName = feedName
        h.feedFinished = feedFinished
        h.feedNotLiveSince = feedNotLiveSince
        h.feedDownReason = feedDownReason
        h.lastTickTime = lastTickTime
        h.recomputeSamples = stats.latencySamples
        return h
    }

    /// The prices the live numbers rest on now (for a review's metrics at the moment it is written).
    public func currentPrices() -> PriceState { live.prices }

    /// Forgets the latency and rate windows (after a warm-up).
    public func resetStats() { stats = LoopStats() }

    /// Units the last step recomputed, and whether it ran the full batch kernel.
    public func lastRecompute() -> (units: Int, full: Bool) { (live.lastRecomputed, live.lastWasFull) }

    /// Keeps and returns an account's margin-ratio history (for a drill-down).
    public func marginRatioHistory(accountId: String) -> [Double] {
        live.track(accountId: accountId)
        return live.marginRatioHistory(accountId: accountId)
    }

    /// A snapshot at `now`: the live book's columns are copied on the engine, then ranked and
    /// measured on the caller's task, so steps go on meanwhile.
    public nonisolated func snapshot(now: Double) async -> LiveSnapshot {
        await capture(now: now).finish()
    }

    private func capture(now: Double) -> SnapshotCapture {
        var c = live.capture(now: now, health: health(now: now))
        c.oldestNewUpdate = unpublishedOldest
        unpublishedOldest = nil
        return c
    }
}
