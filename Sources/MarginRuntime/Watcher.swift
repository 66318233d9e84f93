import MarginCore
import MarginFeeds
import MarginLive
import MarginMetrics
import MarginStore

/// `watch --headless`: a ``LiveLoop`` whose events become NDJSON lines: state changes (with
/// alerts for worsening ones), accounts coming within `near` of liquidation and leaving it
/// (alerts on coming within), feed and store status, and a summary every `summaryEvery`
/// seconds and at the end.
///
/// `near` events follow ``NearTracker``: an account enters when `|distance| <= near` and
/// leaves once `|distance| > near * 1.2` (or no move in range liquidates it).
///
/// On a deterministic loop (a replay) every event also carries `exchangeTime`, the exchange
/// time of the step that caused it; summaries, `duration` and the alerts' minute follow
/// exchange time, and `time` is the wall clock when the line was written.
public struct Watcher: Sendable {
    public let loop: LiveLoop
    public let alerts: AlertRunner?
    public let summaryEvery: Double
    public let duration: Double?
    /// The near threshold: a fraction of the market move (`--near`).
    public let near: Double
    public let out: EventWriter
    /// `--metrics`: fed from the same events and summaries (`nil`: off); its server is stopped when the run ends.
    public let metrics: LoopMetrics?
    /// `--shard K/N`: publishes the results into the store once a second and when the feed ends.
    public let publisher: ShardPublisher?
    /// The `--near` threshold when none is given.
    public static let defaultNear = 0.05

    public init(
        loop: LiveLoop, alerts: AlertRunner?, summaryEvery: Double, duration: Double?,
        near: Double = Watcher.defaultNear, out: EventWriter = EventWriter(), metrics server: MetricsServer? = nil,
        publisher: ShardPublisher? = nil
    ) {
        self.publisher = publisher
        self.loop = loop
        self.alerts = alerts
        self.summaryEvery = summaryEvery
        self.duration = duration
        self.near = near
        self.out = out
        metrics = server.map { LoopMetrics(server: $0, loop: loop, near: near) }
    }

    /// `--near`'s value: a plain decimal (`0.05`, `.1`, `5e-2`) in `(0, 10]`; `nil` otherwise
    /// (`nan`, `inf`, hexadecimal, a percent sign, out of range).
    public static func parseNear(_ text: String) -> Double? {
        guard text.wholeMatch(of: /(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?/) != nil,
            let v = Double(text), v.isFinite, v > 0, v <= 10
        else { return nil }
        return v
    }

    /// Runs the loop until the feed ends, `duration` passes or the task is cancelled.
    public func run() async {
        var options = LiveLoop.Options()
        options.duration = duration
        options.stepLatency = metrics?.latencyObserver
        let clock = loop.clock
        let loop = self.loop
        let summaries = SummaryClock(last: loop.startTime)
        // A signal stops the feed; the loop then applies what it delivered and writes the last summary.
        let feed = loop.feed
        let trap = StopSignals.trap { _ in await feed.stop() }
        defer { trap.release() }
        await loop.engine.watchNear(threshold: near)
        await loop.run(options) { event in
            await metrics?.record(event)
            switch event {
            case .stateChanges(let changes):
                for c in changes { await report(c) }
            case .feedStatus(let status):
                out.emit(
                    .object(
                        [("type", .string("feed")), ("time", .string(Timestamp.format(clock.now)))]
                            + exchangeTime(loop.exchangeTime) + [("status", .string(status.description))]))
            case .storeStatus(let status):
                out.emit(
                    .object(
                        [("type", .string("store")), ("time", .string(Timestamp.format(clock.now)))]
                            + exchangeTime(loop.exchangeTime) + [("status", .string("\(status)"))]))
            case .tick(let now):
                for n in await loop.engine.takeNearChanges() { await report(n) }
                if let publisher, await publisher.due() { await publish(publisher, now: now, finished: false) }
                if await summaries.due(now: now, every: summaryEvery) {
                    await summary(now: now)
                } else if let metrics, metrics.snapshotDue(every: 5) {
                    // Summaries further apart than 5 s: the metrics' figures are taken between them.
                    await metrics.refresh(now: now)
                }
            case .finished(let now):
                for n in await loop.engine.takeNearChanges() { await report(n) }
                if let publisher { await publish(publisher, now: now, finished: true) }
                await summary(now: now)
            case .snapshot, .stepped:
                break
            }
        }
        await alerts?.drain()
        await metrics?.server.stop()
    }

    /// The `exchangeTime` member of a deterministic replay's events (none otherwise).
    func exchangeTime(_ time: Double?) -> [(String, JSONValue)] {
        time.map { [("exchangeTime", .string(Timestamp.format($0)))] } ?? []
    }

    /// The `time` of an event at the loop's `now`: the loop's clock, or the wall clock when
    /// the loop runs in exchange time.
    func reportTime(_ now: Double) -> JSONValue {
        .string(Timestamp.format(loop.isDeterministic ? loop.clock.now : now))
    }

    func report(_ c: StateChange) async {
        var members: [(String, JSONValue)] =
            [("type", .string("state")), ("time", reportTime(c.time))]
            + exchangeTime(loop.isDeterministic ? c.time : nil) + [
                ("account", .string(c.accountId)), ("from", .string(c.from.name)), ("to", .string(c.to.name)),
                ("marginRatio", c.marginRatio.map { .number($0) } ?? .null),
                ("distanceToLiquidation", c.distanceToLiquidation.map { .number($0) } ?? .null),
            ]
        if let cause = c.cause {
            members.append(
                (
                    "cause",
                    .object([
                        ("symbol", .string(cause.symbol)), ("kind", .string(cause.kind.rawValue)),
                        ("price", .number(cause.value)), ("ts", .string(Timestamp.format(cause.exchangeTime))),
                    ])
                ))
        }
        let event = JSONValue.object(members)
        out.emit(event)
        if c.to > c.from { await alerts?.alert(key: "\(c.accountId)/\(c.to.name)", event: event, now: c.time) }
    }

    func report(_ n: NearChange) async {
        let event = JSONValue.object(
            [("type", .string("near")), ("time", reportTime(n.time))]
                + exchangeTime(loop.isDeterministic ? n.time : nil) + [
                    ("account", .string(n.accountId)), ("entered", .bool(n.entered)),
                    ("distanceToLiquidation", n.distance.map { .number($0) } ?? .null),
                ])
        out.emit(event)
        if n.entered { await alerts?.alert(key: "\(n.accountId)/near", event: event, now: n.time) }
    }

    func summary(now: Double) async {
        let s = await loop.engine.snapshot(now: now)
        let rejected = await rejections()
        await metrics?.summary(s, rejected: rejected)
        var members: [(String, JSONValue)] =
            [("type", .string("summary")), ("time", reportTime(now))]
            + exchangeTime(loop.isDeterministic ? now : nil) + [("accounts", .integer(s.accounts.count))]
        for st in AccountState.allCases { members.append((st.name, .integer(s.counts[st] ?? 0))) }
        members += [
            ("shortfall", .number(s.shortfall)), ("insuranceFund", .number(s.insuranceFund)),
            ("socializedLoss", .number(s.socializedLoss)), ("feed", .string(s.health.feedStatus)),
            ("store", .string(s.health.storeStatus)),
            ("ticksPerSecond", .number(s.health.ticksPerSecond)), ("recomputeP50Ms", .number(s.health.recomputeP50Ms)),
            ("recomputeP99Ms", .number(s.health.recomputeP99Ms)),
            ("oldestPriceAgeSeconds", .number(s.health.oldestPriceAge)),
            ("staleAccounts", .integer(s.accounts.stale.filter { $0 }.count)),
            ("nearLiquidation", .integer(s.accounts.distance.filter { abs($0) <= near }.count)),
            ("rejectedUpdates", .integer(rejected.values.reduce(0, +))),
            (
                "rejectedByReason",
                .object(rejected.sorted { $0.key < $1.key }.map { ($0.key, JSONValue.integer($0.value)) })
            ),
        ]
        out.emit(.object(members))
    }
}

extension Watcher {
    /// `watch --help`'s discussion.
    public static let commandDiscussion = """
        Events: {"type":"state",...} when an account changes state (after hysteresis), \
        {"type":"feed",...} when the feed's status changes, {"type":"near",...} when an account comes \
        within --near of liquidation (entered true) and when it leaves (beyond 1.2 x --near), {"type":"summary",...} every \
        --summary-every seconds and at the end. A finite feed (replay without loop, ndjson file) \
        ends the watch when it finishes. A replay runs in exchange time, one step per distinct tick \
        time (or per step=DURATION), every event with its exchangeTime, so a file gives the same events \
        on any machine; --summary-every and --duration count exchange seconds. --alert-command runs a \
        command (through /bin/sh) per worsening state change and near entry with the event JSON on stdin, deduplicated \
        per account and state for a minute and limited to --alert-rate a minute; a failing command is \
        reported on stderr and never stops the loop.
        """

    /// One publish of the shard's results; a failure is reported as a `{"type":"publish"}` event
    /// (the next publish sends every row again).
    func publish(_ publisher: ShardPublisher, now: Double, finished: Bool) async {
        let s = await loop.engine.snapshot(now: now)
        let rejected = await rejections()
        let exchange = loop.isDeterministic ? now : nil
        if let error = await publisher.publish(
            s, near: near, rejected: rejected.values.reduce(0, +), exchangeTime: exchange, finished: finished)
        {
            out.emit(
                .object(
                    [("type", .string("publish")), ("time", reportTime(now))] + exchangeTime(exchange) + [
                        ("shard", .string(publisher.shard.description)), ("error", .string(error)),
                    ]))
        }
    }

    /// Every refusal by reason: the feed's (decoding, validation, order) and the live book's own.
    func rejections() async -> [String: Int] {
        var rejected = await loop.feed.counters().rejected
        for (reason, n) in await loop.engine.bookRejections() { rejected[reason, default: 0] += n }
        return rejected
    }
}

/// When the last summary was written.
private actor SummaryClock {
    var last: Double
    init(last: Double) { self.last = last }

    func due(now: Double, every: Double) -> Bool {
        guard now - last >= every else { return false }
        last = now
        return true
    }
}

extension LiveLoop {
    /// The loop `watch --headless` runs, over a followed store or else `book`: deterministic, so a
    /// replay is applied in exchange-time steps.
    public static func watching(_ store: FollowedStore?, book: Book, feed: any PriceFeed) -> LiveLoop {
        store.map { LiveLoop(following: $0, feed: feed, deterministic: true) }
            ?? LiveLoop(book: book, feed: feed, deterministic: true)
    }
}
