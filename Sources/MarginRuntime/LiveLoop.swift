import MarginCore
import MarginFeeds
import MarginLive
import MarginStore
import Synchronization

/// The one live loop: feed → engine (at the feed's own receive time), one feed-status writer,
/// the stepper, the snapshot publisher and the store follower, all timed by one injected clock.
///
/// The dashboard, `watch --headless` and `bench --live` all run through it; they differ only
/// in their ``LiveLoop/Options`` and in what they do with the ``LiveEvent``s.
///
/// A *deterministic* loop over a replay (``SteppedFeed``) runs in exchange time instead: it
/// pulls the replay one exchange-time step at a time (the feed waits for each step to be
/// applied: nothing is coalesced across steps), steps the engine at the step's exchange time
/// (staleness, the vol factor and option time follow the file, not the wall clock), and reports
/// every event from that one sequence, so the same file gives the same events on any machine.
///
/// ```swift
/// let loop = LiveLoop(book: book, feed: feed, clock: SystemClock())
/// await loop.run(options) { event in
///     if case .stateChanges(let changes) = event { print(changes) }
/// }   // returns when cancelled, after `duration`, or when a finite feed has been applied
/// ```
public final class LiveLoop: Sendable {
    /// How a loop runs.
    public struct Options: Sendable {
        /// Time between steps (apply the coalesced ticks, recompute); a deterministic replay
        /// steps once per exchange-time step instead.
        public var stepInterval: Duration = .milliseconds(20)
        /// Publish ``LiveEvent/snapshot(_:took:)`` this often; `nil` publishes none.
        public var snapshotInterval: Duration?
        /// Publish the snapshot right after each step that recomputed, instead of on a timer of
        /// its own (`snapshotInterval` is then the most a snapshot waits when nothing changed):
        /// the dashboard steps at the screen's pace, so no recompute goes unseen and a tick
        /// reaches the screen one step and one snapshot after it arrives.
        public var snapshotAfterStep = false
        /// A snapshot holds the engine while it copies the columns: wait at least this many times
        /// the last snapshot's duration before the next, so big books leave the engine to ticks.
        public var snapshotHold: Double = 2
        /// After a step (and its snapshot, with `snapshotAfterStep`) that took `t`, rest at least
        /// `stepRest * t` before the next, even when `stepInterval` is shorter: the loop then holds
        /// the cores at most `1 / (1 + stepRest)` of the time, and the distance analysis (at a
        /// lower priority) and the screen get the rest of a big book's time. `0`: no rest.
        public var stepRest: Double = 0
        /// Store changes arriving together are applied at most this often (one recompile each).
        public var followInterval: Duration = .milliseconds(500)
        /// Stop once the feed has finished and everything it delivered is applied.
        public var stopWhenFeedFinishes = true
        /// Stop after this many seconds of the clock (of exchange time in a deterministic replay).
        public var duration: Double?
        /// Report every step (``LiveEvent/stepped(_:)``); off by default.
        public var reportSteps = false
        /// Called after each step that applied price updates with its tick-to-snapshot latency in
        /// seconds: from the oldest update's receive time (a replay step's exchange time) to the end
        /// of the recompute, as the health's percentiles measure it (`--metrics`' histogram).
        public var stepLatency: (@Sendable (Double) -> Void)?
        /// The feed status as the engine's health shows it.
        public var statusText: @Sendable (_ feedName: String, _ status: FeedStatus) -> String = { _, s in s.description
        }

        public init() {}

        /// The time to wait after a step (with its snapshot) that took `busy` seconds.
        public func rest(afterBusy busy: Double) -> Duration {
            let t = busy * stepRest
            guard t.isFinite, t > 0 else { return stepInterval }
            return max(stepInterval, .fromSeconds(min(t, 60)))
        }
    }

    /// The engine the loop drives (for reviews' prices, histories, health).
    public let engine: LiveEngine
    public let feed: any PriceFeed
    public let clock: any MarginClock
    /// The loop's time at the start: the replay's first exchange time when deterministic, else the clock's.
    public let startTime: Double
    private let follow: StoreFollower?
    /// The replay's steps and its exchange clock, when the loop is deterministic.
    private let replay: (steps: FeedSteps, clock: ExchangeClock)?

    /// A loop over `book` fed by `feed`.
    /// - Parameter deterministic: run a replay feed in exchange-time steps (see ``LiveLoop``); a
    ///   live feed (sim, websockets, NDJSON) ignores it and keeps coalescing on the clock.
    public convenience init(
        book: Book, feed: any PriceFeed, config: LiveConfig = LiveConfig(), clock: any MarginClock = SystemClock(),
        deterministic: Bool = false
    ) {
        self.init(book: book, feed: feed, follow: nil, config: config, clock: clock, deterministic: deterministic)
    }

    /// A loop over a followed store's book: accounts changed in the store reach the live book.
    public convenience init(
        following store: FollowedStore, feed: any PriceFeed, config: LiveConfig = LiveConfig(),
        clock: any MarginClock = SystemClock(), deterministic: Bool = false
    ) {
        self.init(
            book: store.book, feed: feed,
            follow: StoreFollower(store: store.store, changes: store.changes, book: store.book),
            config: config, clock: clock, deterministic: deterministic)
    }

    private init(
        book: Book, feed: any PriceFeed, follow: StoreFollower?, config: LiveConfig, clock: any MarginClock,
        deterministic: Bool
    ) {
        self.clock = clock
        self.feed = feed
        self.follow = follow
        if deterministic, let stepped = feed as? any SteppedFeed, let start = stepped.startTime,
            let steps = stepped.steps()
        {
            let exchange = ExchangeClock(start: start, wall: clock)
            replay = (steps, exchange)
            startTime = start
            // Latency is measured from a step's exchange time to the end of its recompute on the
            // wall clock: the recompute's own duration. The distances are analysed inside each
            // step, so they and the events on them do not depend on the machine's speed.
            var stepped = config
            if stepped.analysis.mode == .background { stepped.analysis.mode = .synchronous }
            engine = LiveEngine(book: book, config: stepped, now: start, clock: { exchange.now })
        } else {
            let now = clock.now
            replay = nil
            startTime = now
            engine = LiveEngine(book: book, config: config, now: now, clock: { clock.now })
        }
    }

    /// Whether the loop runs a replay in exchange-time steps.
    public var isDeterministic: Bool { replay != nil }

    /// In a deterministic replay, the exchange time of the step being applied (the first tick's
    /// before any); `nil` otherwise.
    public var exchangeTime: Double? { replay?.clock.time }

    /// Runs until the task is cancelled, `duration` has passed, or (with `stopWhenFeedFinishes`)
    /// a finite feed is done and applied. A last step's changes and ``LiveEvent/finished(now:)``
    /// are reported on every path; the feed is stopped.
    public func run(_ options: Options, events: @escaping @Sendable (LiveEvent) async -> Void) async {
        if let replay {
            await runStepped(replay.steps, exchange: replay.clock, options, events: events)
            return
        }
        let engine = self.engine
        let feed = self.feed
        let clock = self.clock
        let start = clock.now
        if follow == nil { await engine.setStoreStatus("none") }
        let progress = FeedProgress()
        let submitted = options.stepLatency.map { _ in OldestSubmitted() }
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await tick in feed.ticks() {
                    await engine.submit([tick], receivedAt: tick.receiveTime)
                    submitted?.note(tick.receiveTime)
                }
                progress.mark(ticksDrained: true)
            }
            group.addTask {
                // The only writer of the feed status.
                for await status in feed.statuses() {
                    await engine.setFeedStatus(
                        options.statusText(feed.name, status), status, name: feed.name, at: clock.now)
                    await events(.feedStatus(status))
                    await engine.setFeedRejections(feed.counters().rejected)
                    if status == .finished { break }
                }
                progress.mark(statusFinished: true)
            }
            addFollowTasks(to: &group, now: { clock.now }, options, events: events)
            if let every = options.snapshotInterval, !options.snapshotAfterStep {
                group.addTask {
                    while !Task.isCancelled {
                        let t0 = clock.now
                        let snap = await engine.snapshot(now: t0)
                        let took = clock.now - t0
                        await events(.snapshot(snap, took: took))
                        let hold = took * options.snapshotHold
                        try? await clock.sleep(
                            for: max(every, hold.isFinite && hold > 0 ? .nanoseconds(Int64(hold * 1e9)) : .zero))
                    }
                }
            }
            // The stepper decides when the loop ends; the other tasks are cancelled then.
            await self.step(options, start: start, progress: progress, submitted: submitted, events: events)
            await feed.stop()
            group.cancelAll()
        }
    }

    private func step(
        _ options: Options, start: Double, progress: FeedProgress, submitted: OldestSubmitted?,
        events: @Sendable (LiveEvent) async -> Void
    ) async {
        var rejectionsRead = -Double.infinity
        var lastSnapshot = -Double.infinity
        func publish() async {
            let t0 = clock.now
            let snap = await engine.snapshot(now: t0)
            lastSnapshot = t0
            await events(.snapshot(snap, took: clock.now - t0))
        }
        // The book as loaded is computed already: the screen shows it before the first step.
        if options.snapshotAfterStep, options.snapshotInterval != nil { await publish() }
        var rest = options.stepInterval
        while !Task.isCancelled {
            try? await clock.sleep(for: rest)
            let now = clock.now
            // The feed's rejection counts reach the health (the dashboard's `rej N`) once a second.
            if now - rejectionsRead >= 1 {
                rejectionsRead = now
                await engine.setFeedRejections(feed.counters().rejected)
            }
            let backlog = await engine.backlog
            let oldest = submitted?.take()
            let changes = await engine.step(now: now)
            if let oldest, let observe = options.stepLatency { observe(clock.now - oldest) }
            if !changes.isEmpty { await events(.stateChanges(changes)) }
            if options.reportSteps {
                let (units, full) = await engine.lastRecompute()
                await events(
                    .stepped(
                        StepReport(
                            now: now, backlog: backlog, seconds: clock.now - now,
                            recomputedUnits: units, full: full)))
            } else {
                await events(.tick(now: now))
            }
            if options.snapshotAfterStep, let every = options.snapshotInterval {
                let recomputed = await engine.lastRecompute().units > 0
                if recomputed || now - lastSnapshot >= every.seconds { await publish() }
            }
            rest = options.rest(afterBusy: clock.now - now)
            // A finished feed ends the loop once every tick it delivered is submitted and applied, and its
            // finished status is written (so the last summary and the health say so).
            if options.stopWhenFeedFinishes, progress.feedDone, await engine.backlog == 0 { break }
            if let duration = options.duration, now - start >= duration { break }
        }
        // Apply what is left.
        let now = clock.now
        let changes = await engine.step(now: now)
        if !changes.isEmpty { await events(.stateChanges(changes)) }
        await events(.finished(now: now))
    }
}

extension LiveLoop {
    /// The deterministic run: the store follower and snapshots on the side (at the current
    /// exchange time), every feed event from the one sequence of steps.
    /// The store follower and its status forwarder, when the loop follows a store; `now` is the
    /// loop's time (the clock's, or the replay's exchange time).
    private func addFollowTasks(
        to group: inout TaskGroup<Void>, now: @escaping @Sendable () -> Double, _ options: Options,
        events: @escaping @Sendable (LiveEvent) async -> Void
    ) {
        guard let follow else { return }
        let engine = self.engine
        let clock = self.clock
        group.addTask {
            await follow.run(engine: engine, clock: clock, now: now, interval: options.followInterval, events: events)
        }
        group.addTask {
            for await status in await follow.store.statusUpdates() {
                await engine.setStoreStatus("\(status)")
                await events(.storeStatus(status))
            }
        }
    }

    private func runStepped(
        _ steps: FeedSteps, exchange: ExchangeClock, _ options: Options,
        events: @escaping @Sendable (LiveEvent) async -> Void
    ) async {
        let engine = self.engine
        let clock = self.clock
        if follow == nil { await engine.setStoreStatus("none") }
        await withTaskGroup(of: Void.self) { group in
            addFollowTasks(to: &group, now: { exchange.time }, options, events: events)
            if let every = options.snapshotInterval {
                group.addTask {
                    while !Task.isCancelled {
                        let t0 = clock.now
                        let snap = await engine.snapshot(now: exchange.time)
                        let took = clock.now - t0
                        await events(.snapshot(snap, took: took))
                        let hold = took * options.snapshotHold
                        try? await clock.sleep(
                            for: max(every, hold.isFinite && hold > 0 ? .nanoseconds(Int64(hold * 1e9)) : .zero))
                    }
                }
            }
            await self.stepThrough(steps, exchange: exchange, options, events: events)
            group.cancelAll()
        }
    }

    /// Applies each step at its exchange time; the feed produces the next only once this one's
    /// events are reported. The feed status is reported where it changes in that sequence.
    private func stepThrough(
        _ steps: FeedSteps, exchange: ExchangeClock, _ options: Options, events: @Sendable (LiveEvent) async -> Void
    ) async {
        let engine = self.engine
        let feed = self.feed
        var reported: FeedStatus?
        func reportStatus() async {
            let status = await feed.status()
            guard status != reported else { return }
            reported = status
            await engine.setFeedStatus(
                options.statusText(feed.name, status), status, name: feed.name, at: exchange.time)
            await engine.setFeedRejections(feed.counters().rejected)
            await events(.feedStatus(status))
        }
        while !Task.isCancelled, let step = await steps.next() {
            exchange.set(step.time)
            await reportStatus()
            // The rejections counted up to this step (the feed is waiting: the count is the file's).
            await engine.setFeedRejections(feed.counters().rejected)
            await engine.submit(step.ticks, receivedAt: step.time)
            let backlog = await engine.backlog
            let changes = await engine.step(now: step.time)
            if !step.ticks.isEmpty, let observe = options.stepLatency { observe(exchange.now - step.time) }
            if !changes.isEmpty { await events(.stateChanges(changes)) }
            if options.reportSteps {
                let (units, full) = await engine.lastRecompute()
                await events(
                    .stepped(
                        StepReport(
                            now: step.time, backlog: backlog, seconds: exchange.now - step.time,
                            recomputedUnits: units, full: full)))
            } else {
                await events(.tick(now: step.time))
            }
            if let duration = options.duration, step.time - startTime >= duration { break }
        }
        // Ended (the file, a stop, the duration): the feed is finished before the last events.
        let durationReached = options.duration.map { exchange.time - startTime >= $0 } ?? false
        await feed.stop()
        await reportStatus()
        // A loop that outlives its feed (`stopWhenFeedFinishes` off) waits to be cancelled.
        while !options.stopWhenFeedFinishes, !durationReached, !Task.isCancelled {
            try? await clock.sleep(for: options.stepInterval)
        }
        let now = exchange.time
        let changes = await engine.step(now: now)
        if !changes.isEmpty { await events(.stateChanges(changes)) }
        await events(.finished(now: now))
    }
}

/// A deterministic replay's time: the exchange time of the step being applied, and, for the
/// engine's latency, that time plus the wall time spent since the step began.
private final class ExchangeClock: Sendable {
    private let wall: any MarginClock
    private let state: Mutex<(time: Double, wallAtStep: Double)>

    init(start: Double, wall: any MarginClock) {
        self.wall = wall
        state = Mutex((start, wall.now))
    }

    func set(_ time: Double) {
        let now = wall.now
        state.withLock { $0 = (time, now) }
    }

    var time: Double { state.withLock { $0.time } }

    var now: Double {
        let (time, since) = state.withLock { ($0.time, $0.wallAtStep) }
        return time + max(0, wall.now - since)
    }
}

/// What a running ``LiveLoop`` reports.
public enum LiveEvent: Sendable {
    /// Accounts changed state (after hysteresis), from a step or a store change.
    case stateChanges([StateChange])
    /// The feed's status changed (the engine's health already shows it).
    case feedStatus(FeedStatus)
    /// The store's status changed.
    case storeStatus(StoreStatus)
    /// A snapshot for the screen, and the seconds it took.
    case snapshot(LiveSnapshot, took: Double)
    /// A step ran at `now` (without ``LiveLoop/Options/reportSteps``).
    case tick(now: Double)
    /// A step ran, with its figures (with ``LiveLoop/Options/reportSteps``).
    case stepped(StepReport)
    /// The loop has applied its last step at `now`.
    case finished(now: Double)
}

/// One step's figures, for the bench.
public struct StepReport: Sendable {
    public var now: Double
    /// Updates waiting when the step began.
    public var backlog: Int
    /// How long the step took.
    public var seconds: Double
    public var recomputedUnits: Int
    /// Whether it ran the full batch kernel.
    public var full: Bool
}

extension LiveLoop.Options {
    /// As the dashboard runs: until stopped (a finished feed stays on screen), ten steps a second
    /// each published as it ends, and the header's feed wording: "sim" while live, "binance down: ..." otherwise.
    public static var dashboard: Self {
        var o = Self()
        o.stopWhenFeedFinishes = false
        // Ten steps a second, each followed by its snapshot; when nothing moves, a snapshot a second.
        o.stepInterval = .milliseconds(100)
        o.snapshotAfterStep = true
        o.snapshotInterval = .seconds(1)
        o.statusText = { name, status in status.isLive ? name : "\(name) \(status)" }
        return o
    }
}

extension LiveLoop {
    /// Runs the loop in a task of its own and publishes its snapshots into a stream that keeps
    /// only the newest (a slow reader skips to the latest) and ends with the loop. Cancel the
    /// task to stop the loop.
    /// `observe` sees every event too (the `--metrics` figures).
    public func publishing(
        _ options: Options, observe: (@Sendable (LiveEvent) async -> Void)? = nil
    ) -> (snapshots: AsyncStream<LiveSnapshot>, running: Task<Void, Never>) {
        let (snapshots, sink) = AsyncStream<LiveSnapshot>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let running = Task.detached {
            await self.run(options) { event in
                if case .snapshot(let snap, _) = event { sink.yield(snap) }
                await observe?(event)
            }
            sink.finish()
        }
        return (snapshots, running)
    }
}

extension LiveEngine {
    /// Writes a feed status into the health: its text as the loop words it, and the facts the
    /// screen needs (live, ended, why down) from the status itself.
    fileprivate func setFeedStatus(_ text: String, _ status: FeedStatus, name: String, at time: Double) {
        var reason: String?
        if case .down(let r) = status { reason = r }
        setFeedStatus(
            text, isLive: status.isLive, name: name, finished: status == .finished, downReason: reason, at: time)
    }
}

/// The receive time of the oldest tick submitted since the stepper last looked (for
/// ``LiveLoop/Options/stepLatency``). Noted after the submit: a tick the step took just before it
/// was noted counts towards the next step, so the latency errs long, never short.
private final class OldestSubmitted: Sendable {
    private let oldest = Mutex<Double?>(nil)

    func note(_ time: Double) { oldest.withLock { $0 = min($0 ?? time, time) } }

    func take() -> Double? {
        oldest.withLock { value in
            defer { value = nil }
            return value
        }
    }
}

/// What the loop's feed tasks have seen through: every tick submitted, the finished status written.
private final class FeedProgress: Sendable {
    private let state = Mutex((ticksDrained: false, statusFinished: false))

    func mark(ticksDrained: Bool = false, statusFinished: Bool = false) {
        state.withLock {
            $0.ticksDrained = $0.ticksDrained || ticksDrained
            $0.statusFinished = $0.statusFinished || statusFinished
        }
    }

    var feedDone: Bool { state.withLock { $0.ticksDrained && $0.statusFinished } }
}
