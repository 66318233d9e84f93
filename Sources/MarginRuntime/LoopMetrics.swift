import Logging
import MarginCore
import MarginFeeds
import MarginLive
import MarginMetrics
import MarginOutput
import MarginStore
import Synchronization

/// `--metrics HOST:PORT` on a ``LiveLoop``: the ``LiveMetrics`` of a ``MetricsServer``, fed
/// from the loop's own events and from the figures the watcher's summaries and the dashboard's
/// snapshots already carry. Nothing here runs per account on a step: a snapshot's figures are
/// taken at most once a second, the analysis' ages every five seconds (each one pass over the
/// accounts), the feed's counters once a second, a step's latency as one histogram sample.
///
/// ```swift
/// let server = try await LoopMetrics.serve("127.0.0.1:0", announce: true)   // before the book loads
/// let metrics = LoopMetrics(server: server, loop: loop, near: 0.05)
/// var options = LiveLoop.Options.dashboard
/// options.stepLatency = metrics.latencyObserver
/// let (snapshots, running) = loop.publishing(options, observe: metrics.eventObserver)
/// ```
public final class LoopMetrics: Sendable {
    public let metrics: LiveMetrics
    public let server: MetricsServer
    private let loop: LiveLoop
    private let near: Double
    /// Loop-clock times of the last snapshot figures, analysis ages and counters taken.
    private let last = Mutex((snapshot: -Double.infinity, analysis: -Double.infinity, counters: -Double.infinity))

    public init(server: MetricsServer, loop: LiveLoop, near: Double) {
        self.metrics = server.metrics
        self.server = server
        self.loop = loop
        self.near = near
    }

    /// `--metrics`' help, on `watch` and on the dashboard.
    public static let optionHelp =
        "Serve Prometheus metrics at http://HOST:PORT/metrics (default: off; port 0 picks a free port, logged, and for watch named on stderr)."

    /// `--metrics HOST:PORT`: parses the address and listens (a bad address is usage, exit 64; one
    /// that cannot be listened on a runtime failure, exit 1), and logs where: with `announce`, on
    /// stderr too (`margintop: metrics on http://127.0.0.1:PORT/metrics`: port 0 picks a free one).
    /// No `spec`, no server. Started before the book loads, so a bad address fails at once.
    public static func serve(_ spec: String?, announce: Bool) async throws(MetricsError) -> MetricsServer? {
        guard let spec else { return nil }
        return try await serve(MetricsAddress(parsing: spec), announce: announce)
    }

    /// ``serve(_:announce:)`` on a parsed address (the dashboard's settings hold one).
    public static func serve(_ address: MetricsAddress?, announce: Bool) async throws(MetricsError)
        -> MetricsServer?
    {
        guard let address else { return nil }
        let server = try await MetricsServer.start(address)
        Logger(label: "margintop.metrics").info("metrics on \(server.address.url)")
        if announce { OutputSink.standardError.writeIgnoringErrors("margintop: metrics on \(server.address.url)\n") }
        return server
    }

    /// For ``LiveLoop/Options/stepLatency``.
    public var latencyObserver: @Sendable (Double) -> Void {
        let metrics = self.metrics
        return { metrics.observeLatency(seconds: $0) }
    }

    /// ``record(_:)`` as a ``LiveLoop/publishing(_:observe:)`` observer.
    public var eventObserver: @Sendable (LiveEvent) async -> Void {
        { [self] event in await self.record(event) }
    }

    /// Takes what `event` carries: feed and store status at once, a snapshot's figures at most once a
    /// second, the counters once a second of steps.
    public func record(_ event: LiveEvent) async {
        let now = loop.clock.now
        let started = ContinuousClock.now
        defer { metrics.addUpdateTime(ContinuousClock.now - started) }
        switch event {
        case .feedStatus(let status):
            metrics.setFeedStatus(LoopMetrics.label(status))
        case .storeStatus(let status):
            metrics.setStoreStatus(LoopMetrics.label(status))
        case .snapshot(let snap, _):
            guard due(\.snapshot, now: now, every: 1) else { return }
            metrics.observe(snapshot: snap, near: near)
            metrics.setStoreStatus(LoopMetrics.storeLabel(snap.health.storeStatus))
            if due(\.analysis, now: now, every: 5) {
                metrics.observe(analysis: await loop.engine.analysisStatus(now: snap.time))
            }
        case .tick, .stepped:
            if due(\.counters, now: now, every: 1) { await counters() }
        case .finished:
            await counters()
        case .stateChanges:
            break
        }
    }

    /// Whether a snapshot's figures are due (``record(_:)`` takes them from the dashboard's own).
    public func snapshotDue(every seconds: Double) -> Bool {
        last.withLock { loop.clock.now - $0.snapshot >= seconds }
    }

    /// Takes a snapshot for the figures (`watch` when its summaries are further apart than 5 s).
    public func refresh(now: Double) async {
        let started = ContinuousClock.now
        let snap = await loop.engine.snapshot(now: now)
        last.withLock { ($0.snapshot, $0.analysis) = (loop.clock.now, loop.clock.now) }
        metrics.observe(snapshot: snap, near: near)
        metrics.setStoreStatus(LoopMetrics.storeLabel(snap.health.storeStatus))
        metrics.observe(analysis: await loop.engine.analysisStatus(now: snap.time))
        await counters()
        metrics.addUpdateTime(ContinuousClock.now - started)
    }

    /// A summary's figures, as `watch --headless` writes them: the same snapshot and refusals.
    public func summary(_ snap: LiveSnapshot, rejected: [String: Int]) async {
        let started = ContinuousClock.now
        defer { metrics.addUpdateTime(ContinuousClock.now - started) }
        let now = loop.clock.now
        last.withLock { ($0.snapshot, $0.analysis) = (now, now) }
        metrics.observe(snapshot: snap, near: near)
        metrics.setStoreStatus(LoopMetrics.storeLabel(snap.health.storeStatus))
        metrics.observe(analysis: await loop.engine.analysisStatus(now: snap.time))
        metrics.setRejections(rejected)
        let bookRefused = await loop.engine.bookRejections().values.reduce(0, +)
        metrics.setTicksAccepted(await loop.feed.counters().ticks - bookRefused)
    }

    /// The feed's and the book's refusals by reason (as a summary counts them), and the ticks accepted.
    private func counters() async {
        let feed = await loop.feed.counters()
        var rejected = feed.rejected
        let book = await loop.engine.bookRejections()
        for (reason, n) in book { rejected[reason, default: 0] += n }
        metrics.setRejections(rejected)
        metrics.setTicksAccepted(feed.ticks - book.values.reduce(0, +))
    }

    private func due(
        _ key: WritableKeyPath<(snapshot: Double, analysis: Double, counters: Double), Double>, now: Double,
        every: Double
    ) -> Bool {
        last.withLock {
            guard now - $0[keyPath: key] >= every else { return false }
            $0[keyPath: key] = now
            return true
        }
    }

    /// A feed status as one of ``LiveMetrics/feedStatuses``.
    static func label(_ status: FeedStatus) -> String {
        switch status {
        case .connecting: "connecting"
        case .live: "live"
        case .reconnecting: "reconnecting"
        case .down: "down"
        case .finished: "finished"
        }
    }

    /// A store status as one of ``LiveMetrics/storeStatuses``.
    static func label(_ status: StoreStatus) -> String {
        switch status {
        case .connected: "connected"
        case .reconnecting: "reconnecting"
        case .down: "down"
        }
    }

    /// The health's store text (`none`, `connected`, `reconnecting(...)`, `down(...)`) as a label.
    static func storeLabel(_ text: String) -> String {
        for label in LiveMetrics.storeStatuses where text.hasPrefix(label) { return label }
        return "down"
    }
}
