import Foundation
import Logging
import MarginCore
import Synchronization

/// The plumbing every feed shares: status, counters, per-symbol times, validation and
/// fan-out of ticks and statuses to any number of listeners.
///
/// Adapters call ``ingest(_:receiveTime:)`` with each decoded message (or ``emit(_:)`` with a
/// ready tick); the core maps symbols, rejects bad prices (``PriceUpdate/isValid``: non-finite,
/// zero, negative, or an iv above ``PriceUpdate/maxImpliedVol``), exchange times outside
/// ``Timestamp/representableSeconds`` or (with ``maxFutureSkew``) ahead of the receive clock,
/// and out-of-order exchange times per symbol and kind, counts everything and logs a sample of
/// each rejection reason.
public final class FeedCore: Sendable {
    struct SeriesKey: Hashable {
        var symbol: String
        var kind: PriceKind
    }

    struct State {
        var status: FeedStatus = .connecting
        var counters = FeedCounters()
        var lastReceive: [String: Double] = [:]
        var lastExchange: [SeriesKey: Double] = [:]
        var tickSubscribers: [Int: AsyncStream<PriceUpdate>.Continuation] = [:]
        var statusSubscribers: [Int: AsyncStream<FeedStatus>.Continuation] = [:]
        var nextID = 0
        var started = false
        var finished = false
        var runTask: Task<Void, Never>?
    }

    public let name: String
    public let clock: any MarginClock
    public let logger: Logger
    public let symbolMap: SymbolMap
    /// Ticks whose exchange time is more than this many seconds ahead of their receive time are
    /// rejected as `future_time` (nil: no limit). One such tick would otherwise hold the symbol's
    /// ordering memory in the future and reject every true tick after it as out of order.
    public let maxFutureSkew: Double?
    private let state = Mutex(State())
    /// Serialises status publication so listeners see changes in order. Never taken by
    /// onTermination handlers, so holding it while yielding cannot deadlock with task cancellation.
    private let statusOrder = Mutex(())
    private let driver: Mutex<(@Sendable (FeedCore) async -> Void)?>

    /// - Parameters:
    ///   - maxFutureSkew: see ``maxFutureSkew``.
    ///   - driver: runs the feed until done or cancelled; the core marks it `finished` afterwards.
    public init(
        name: String, clock: any MarginClock = SystemClock(), symbolMap: SymbolMap = .passthrough,
        logger: Logger? = nil, maxFutureSkew: Double? = nil, driver: (@Sendable (FeedCore) async -> Void)? = nil
    ) {
        self.name = name
        self.maxFutureSkew = maxFutureSkew
        self.clock = clock
        self.symbolMap = symbolMap
        self.logger = logger ?? Logger(label: "margintop.feeds.\(name)")
        self.driver = Mutex(driver)
    }

    // MARK: Listeners

    /// A new tick stream; starts the driver on first use.
    public func ticks() -> AsyncStream<PriceUpdate> {
        let (stream, continuation) = AsyncStream<PriceUpdate>.makeStream(bufferingPolicy: .unbounded)
        let id = state.withLock { s -> Int? in
            if s.finished { return nil }
            s.nextID += 1
            s.tickSubscribers[s.nextID] = continuation
            return s.nextID
        }
        guard let id else {
            continuation.finish()
            return stream
        }
        continuation.onTermination = { [weak self] _ in self?.removeTickSubscriber(id) }
        start()
        return stream
    }

    /// A new status stream, beginning with the current status.
    public func statuses() -> AsyncStream<FeedStatus> {
        let (stream, continuation) = AsyncStream<FeedStatus>.makeStream(bufferingPolicy: .bufferingNewest(256))
        // Continuations are never touched while holding the lock: yielding resumes a task, and
        // cancelling a task runs onTermination (which takes the lock) under the runtime's own lock.
        let (finished, id) = statusOrder.withLock { _ -> (Bool, Int) in
            let (current, finished, id) = state.withLock { s -> (FeedStatus, Bool, Int) in
                if s.finished { return (s.status, true, 0) }
                s.nextID += 1
                s.statusSubscribers[s.nextID] = continuation
                return (s.status, false, s.nextID)
            }
            continuation.yield(current)
            return (finished, id)
        }
        if finished {
            continuation.finish()
        } else {
            continuation.onTermination = { [weak self] _ in
                _ = self?.state.withLock { $0.statusSubscribers.removeValue(forKey: id) }
            }
        }
        return stream
    }

    private func removeTickSubscriber(_ id: Int) {
        let task = state.withLock { s -> Task<Void, Never>? in
            s.tickSubscribers.removeValue(forKey: id)
            // Nobody listens any more: stop producing.
            return s.tickSubscribers.isEmpty && s.started && !s.finished ? s.runTask : nil
        }
        task?.cancel()
    }

    /// Starts the driver if it has not started yet.
    public func start() {
        let run = driver.withLock { d -> (@Sendable (FeedCore) async -> Void)? in
            let taken = d
            d = nil
            return taken
        }
        guard let run else { return }
        state.withLock { s in
            guard !s.started, !s.finished else { return }
            s.started = true
            s.runTask = Task { [self] in
                await run(self)
                self.finish()
            }
        }
    }

    /// Cancels the driver, waits for it, and finishes every stream.
    public func stop() async {
        driver.withLock { d in d = nil }
        let task = state.withLock { $0.runTask }
        task?.cancel()
        await task?.value
        finish()
    }

    /// Marks the feed finished and ends all streams (idempotent).
    public func finish() {
        let ticks = statusOrder.withLock { _ -> [AsyncStream<PriceUpdate>.Continuation] in
            let (ticks, statuses) = state.withLock {
                s -> ([AsyncStream<PriceUpdate>.Continuation], [AsyncStream<FeedStatus>.Continuation]) in
                guard !s.finished else { return ([], []) }
                s.finished = true
                s.status = .finished
                defer {
                    s.tickSubscribers = [:]
                    s.statusSubscribers = [:]
                }
                return (Array(s.tickSubscribers.values), Array(s.statusSubscribers.values))
            }
            for c in statuses {
                c.yield(.finished)
                c.finish()
            }
            return ticks
        }
        for c in ticks { c.finish() }
    }

    // MARK: Status and counters

    public var status: FeedStatus { state.withLock { $0.status } }

    public var counters: FeedCounters { state.withLock { $0.counters } }

    public var isFinished: Bool { state.withLock { $0.finished } }

    /// Reports a status change to listeners (duplicates and changes after `finished` are dropped).
    public func setStatus(_ status: FeedStatus) {
        let changed = publish { s in
            guard !s.finished, s.status != status else { return false }
            s.status = status
            return true
        }
        guard changed else { return }
        switch status {
        case .down(let reason): logger.warning("feed \(name) down: \(reason)")
        case .reconnecting(let attempt, let delay):
            logger.info("feed \(name) reconnecting: attempt \(attempt) in \(delay)")
        default: logger.debug("feed \(name): \(status)")
        }
    }

    /// Applies `change` under the state lock and, if it changed the status, yields the new status
    /// to every listener in order (outside the state lock).
    private func publish(_ change: (inout State) -> Bool) -> Bool {
        statusOrder.withLock { _ in
            let (changed, status, listeners) = state.withLock {
                s -> (Bool, FeedStatus, [AsyncStream<FeedStatus>.Continuation]) in
                let changed = change(&s)
                return (changed, s.status, changed ? Array(s.statusSubscribers.values) : [])
            }
            for c in listeners { c.yield(status) }
            return changed
        }
    }

    /// Counts a successful connection.
    public func noteConnected() {
        state.withLock { $0.counters.connections += 1 }
    }

    /// Forgets the last exchange time of every series, so ordering starts afresh (on a new
    /// connection: the exchange's clock is the judge again, not what an old connection sent).
    public func resetOrdering() {
        state.withLock { $0.lastExchange.removeAll(keepingCapacity: true) }
    }

    /// Last receive time of any tick for `symbol`.
    public func lastUpdate(symbol: String) -> Double? {
        state.withLock { $0.lastReceive[symbol] }
    }

    /// Last receive times of every symbol seen.
    public var lastUpdates: [String: Double] { state.withLock { $0.lastReceive } }

    // MARK: Ingest

    /// Accounts for one inbound message: maps, validates and delivers its prices, counts its
    /// rejections. Returns the number of ticks delivered. A message that yields nothing and is
    /// not a control message is counted as a `no_prices` rejection, so every message is
    /// accounted for. A feed in `connecting` becomes `live` on its first tick.
    @discardableResult
    public func ingest(_ message: DecodedMessage, receiveTime: Double) -> Int {
        var rejections = message.rejections
        var delivered = 0
        var unmapped = 0
        var accepted: [PriceUpdate] = []
        accepted.reserveCapacity(message.prices.count)
        let tickListeners = state.withLock { s -> [AsyncStream<PriceUpdate>.Continuation] in
            s.counters.messages += 1
            if message.isControl { s.counters.control += 1 }
            for price in message.prices {
                guard let target = symbolMap.resolve(price.symbol, price.kind) else {
                    unmapped += 1
                    continue
                }
                let tick = PriceUpdate(
                    symbol: target.symbol, kind: target.kind, value: price.value,
                    exchangeTime: price.exchangeTime, receiveTime: receiveTime)
                if let reason = validate(tick, state: &s) {
                    rejections.append(
                        Rejection(
                            reason,
                            "\(price.symbol) \(price.kind.rawValue) \(price.value) at \(Timestamp.format(price.exchangeTime, fixedMilliseconds: true))"
                        ))
                    continue
                }
                record(tick, state: &s)
                accepted.append(tick)
                delivered += 1
            }
            s.counters.unmapped += unmapped
            if delivered == 0 && unmapped == 0 && rejections.isEmpty && !message.isControl {
                rejections.append(Rejection(RejectReason.noPrices, "message without prices"))
            }
            for r in rejections { s.counters.rejected[r.reason, default: 0] += 1 }
            return delivered > 0 ? Array(s.tickSubscribers.values) : []
        }
        for c in tickListeners {
            for tick in accepted { c.yield(tick) }
        }
        if delivered > 0, status == .connecting {
            let becameLive = publish { s in
                guard !s.finished, s.status == .connecting else { return false }
                s.status = .live
                return true
            }
            if becameLive { logger.info("feed \(name) live") }
        }
        for r in rejections { logRejection(r) }
        return delivered
    }

    /// Validates and delivers one ready tick (simulated, replayed); counts it as a message.
    @discardableResult
    public func emit(_ tick: PriceUpdate) -> Bool {
        let (reason, listeners) = state.withLock { s -> (String?, [AsyncStream<PriceUpdate>.Continuation]) in
            s.counters.messages += 1
            if let r = validate(tick, state: &s) {
                s.counters.rejected[r, default: 0] += 1
                return (r, [])
            }
            record(tick, state: &s)
            return (nil, Array(s.tickSubscribers.values))
        }
        for c in listeners { c.yield(tick) }
        if let reason {
            logRejection(
                Rejection(
                    reason,
                    "\(tick.symbol) \(tick.kind.rawValue) \(tick.value) at \(Timestamp.format(tick.exchangeTime, fixedMilliseconds: true))"
                ))
            return false
        }
        return true
    }

    /// Counts one message as rejected (e.g. an unreadable line) and logs the sample.
    public func reject(_ rejection: Rejection) {
        state.withLock { s in
            s.counters.messages += 1
            s.counters.rejected[rejection.reason, default: 0] += 1
        }
        logRejection(rejection)
    }

    private func validate(_ tick: PriceUpdate, state s: inout State) -> String? {
        guard tick.isValid else { return RejectReason.badPrice }
        guard Timestamp.isRepresentable(tick.exchangeTime) else { return RejectReason.badTimestamp }
        if let skew = maxFutureSkew, tick.exchangeTime > tick.receiveTime + skew { return RejectReason.futureTime }
        let key = SeriesKey(symbol: tick.symbol, kind: tick.kind)
        if let last = s.lastExchange[key], tick.exchangeTime < last { return RejectReason.outOfOrder }
        s.lastExchange[key] = tick.exchangeTime
        return nil
    }

    /// Counts an accepted tick; the caller yields it to listeners after releasing the lock.
    private func record(_ tick: PriceUpdate, state s: inout State) {
        s.counters.ticks += 1
        s.lastReceive[tick.symbol] = tick.receiveTime
    }

    private let logCounts = Mutex<[String: Int]>([:])

    /// Logs the first few samples of each reason at warning level, then every 1000th at debug.
    private func logRejection(_ r: Rejection) {
        let n = logCounts.withLock { counts -> Int in
            counts[r.reason, default: 0] += 1
            return counts[r.reason, default: 0]
        }
        if n <= 3 {
            logger.warning("feed \(name) skipped (\(r.reason)): \(r.sample)")
        } else if n % 1000 == 0 {
            logger.debug("feed \(name) skipped \(n) × \(r.reason), e.g.: \(r.sample)")
        }
    }
}

/// Feeds built on a ``FeedCore`` get ``PriceFeed`` for free.
public protocol CoreBackedFeed: PriceFeed {
    var core: FeedCore { get }
}

extension CoreBackedFeed {
    public var name: String { core.name }
    public func ticks() -> AsyncStream<PriceUpdate> { core.ticks() }
    public func statuses() -> AsyncStream<FeedStatus> { core.statuses() }
    public func status() async -> FeedStatus { core.status }
    public func counters() async -> FeedCounters { core.counters }
    public func lastUpdate(symbol: String) async -> Double? { core.lastUpdate(symbol: symbol) }
    public func stop() async { await core.stop() }
}
