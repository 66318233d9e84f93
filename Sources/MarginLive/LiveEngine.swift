import MarginCore

/// Owns a ``LiveBook`` and drives it: updates are submitted as they arrive
/// (coalesced per symbol), `step` applies what is pending and recomputes,
/// `sample` keeps the 1-second history, `snapshot` publishes.
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
    private var storeStatus = "connected"
    private var feedRejected: [String: Int] = [:]
    private var lastSample = -Double.infinity
    public private(set) var steps = 0
    public private(set) var coalescedTotal = 0
    /// The oldest update applied since the last snapshot was captured (its receive time).
    private var unpublishedOldest: Double?
    /// Reads the time a step's results are published (after its recompute); without one, the step's `now`.
    private let clock: (@Sendable () -> Double)?

    /// - Parameter clock: the wall clock, so latency covers the recompute itself; leave it out for
    ///   deterministic tests (latency is then measured to the step's `now`).
    public init(book: Book, config: LiveConfig = LiveConfig(), now: Double, clock: (@Sendable () -> Double)? = nil) {
        live = LiveBook(book: book, config: config, now: now)
        self.clock = clock
    }

    /// Queues updates received at `receivedAt` (seconds since the epoch). Each is validated and
    /// its symbol resolved here, once; invalid and unknown ones are counted and dropped.
    public func submit(_ updates: [PriceUpdate], receivedAt: Double) {
        guard !updates.isEmpty else { return }
        for u in updates {
            if let slot = live.resolve(u) { pending.add(u, at: slot) }
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
        let changes = live.apply(resolved: batch, now: now)
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

    /// Replaces the book after account changes (prices carried over).
    public func replace(book: Book, now: Double) -> [StateChange] {
        let changes = live.replace(book: book, now: now)
        // Pending slots index the old markets.
        pending.reresolve { live.slot(for: $0) }
        return changes
    }

    public func setFeedStatus(_ status: String, isLive: Bool) {
        feedStatus = status
        feedIsLive = isLive
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
        LoopHealth(
            feedStatus: feedStatus, feedIsLive: feedIsLive, storeStatus: storeStatus,
            ticksPerSecond: stats.ticksPerSecond(now: now), recomputeP50Ms: stats.latencyPercentile(0.5),
            recomputeP99Ms: stats.latencyPercentile(0.99), feedRejected: feedRejected)
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
