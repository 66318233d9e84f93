import MarginCore
import MarginLive
import Prometheus
import Synchronization

/// The live loop's figures as Prometheus metrics (swift-prometheus collectors in one registry):
/// what the dashboard's header and `watch --headless`'s summaries show, for an ops stack to scrape.
///
/// Updated from the loop (a snapshot's figures, a step's latency, the feed's and the store's
/// status changes), never per account on the hot path; ``MetricsServer`` serves
/// ``exposition()`` on `GET /metrics`.
///
/// ```swift
/// let metrics = LiveMetrics()
/// metrics.observe(snapshot: snap, near: 0.05)
/// metrics.observeLatency(seconds: 0.004)
/// print(metrics.exposition())   // # HELP margintop_accounts Accounts by displayed state. ...
/// ```
public final class LiveMetrics: Sendable {
    /// The registry the collectors live in (for adding more, or emitting elsewhere).
    public let registry: PrometheusCollectorRegistry
    /// Upper bounds of the latency histogram's buckets, seconds: 1 ms to 5 s.
    public static let latencyBuckets: [Double] = [
        0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5,
    ]
    /// The feed statuses `margintop_feed_status` has a series for (one is 1, the others 0).
    public static let feedStatuses = ["connecting", "live", "reconnecting", "down", "finished"]
    /// The store statuses `margintop_store_status` has a series for (`none`: watching a book file).
    public static let storeStatuses = ["connected", "reconnecting", "down", "none"]

    private let accounts: [AccountState: Gauge]
    private let accountsTotal: Gauge
    private let shortfall: Gauge
    private let insuranceFund: Gauge
    private let socializedLoss: Gauge
    private let oldestPriceAge: Gauge
    private let nearLiquidation: Gauge
    private let staleAccounts: Gauge
    private let analysisAgeMax: Gauge
    private let analysisAgeNear: Gauge
    private let neverAnalysed: Gauge
    private let feedUp: Gauge
    private let feedStatus: [String: Gauge]
    private let storeUp: Gauge
    private let storeStatus: [String: Gauge]
    private let ticks: Counter
    private let latency: ValueHistogram
    private let lastUpdate: Gauge
    private let updateTime: Counter
    /// What the counters were last set from (swift-prometheus counters only go up: totals become increments).
    private let totals = Mutex<(ticks: Int, rejected: [String: Int])>((0, [:]))

    public init(registry: PrometheusCollectorRegistry = PrometheusCollectorRegistry()) {
        self.registry = registry
        func gauge(_ name: String, _ unit: String = "", _ help: String) -> Gauge {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    namespace: "margintop", metricName: name, unitName: unit, helpText: help))
        }
        func labelled(_ name: String, _ label: String, _ values: [String], _ help: String) -> [String: Gauge] {
            let d = MetricNameDescriptor(namespace: "margintop", metricName: name, unitName: "", helpText: help)
            return Dictionary(
                uniqueKeysWithValues: values.map { ($0, registry.makeGauge(descriptor: d, labels: [(label, $0)])) })
        }
        let byState = MetricNameDescriptor(
            namespace: "margintop", metricName: "accounts", unitName: "",
            helpText: "Accounts by displayed state (after hysteresis).")
        accounts = Dictionary(
            uniqueKeysWithValues: AccountState.allCases.map {
                ($0, registry.makeGauge(descriptor: byState, labels: [("state", $0.name)]))
            })
        accountsTotal = gauge("book_accounts", "", "Accounts in the live book.")
        shortfall = gauge("shortfall", "quote", "Total shortfall of bankrupt accounts, in the quote currency.")
        insuranceFund = gauge("insurance_fund", "quote", "The insurance fund, in the quote currency.")
        socializedLoss = gauge(
            "socialized_loss", "quote", "Shortfall beyond the insurance fund, in the quote currency.")
        oldestPriceAge = gauge("oldest_price_age", "seconds", "Age of the oldest non-stable index price.")
        nearLiquidation = gauge(
            "near_liquidation", "accounts",
            "Accounts within the near threshold (a market move fraction) of liquidation.")
        staleAccounts = gauge("stale", "accounts", "Accounts whose health rests on a stale price.")
        analysisAgeMax = gauge(
            "analysis_age_max", "seconds", "Age of the oldest distance-to-liquidation analysis of any account.")
        analysisAgeNear = gauge(
            "analysis_age_near", "seconds", "Age of the oldest analysis among the accounts in the near band.")
        neverAnalysed = gauge("never_analysed", "accounts", "Accounts whose distance to liquidation is not known yet.")
        feedUp = gauge("feed_up", "", "1 while the price feed is live, else 0.")
        feedStatus = labelled(
            "feed_status", "status", LiveMetrics.feedStatuses, "The price feed's status: 1 for the current one.")
        storeUp = gauge("store_up", "", "1 while the account store is connected (or none is used), else 0.")
        storeStatus = labelled(
            "store_status", "status", LiveMetrics.storeStatuses, "The account store's status: 1 for the current one.")
        ticks = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "margintop", metricName: "ticks", unitName: "total",
                helpText: "Price updates the live book accepted (the feed's ticks less the book's refusals)."))
        latency = registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(
                namespace: "margintop", metricName: "tick_to_snapshot", unitName: "seconds",
                helpText: "From a step's oldest price update received to its recomputed figures published."),
            buckets: LiveMetrics.latencyBuckets)
        lastUpdate = gauge(
            "metrics_updated", "timestamp_seconds", "When these figures were last taken from the loop (Unix time).")
        updateTime = registry.makeCounter(
            descriptor: MetricNameDescriptor(
                namespace: "margintop", metricName: "metrics_update", unitName: "seconds_total",
                helpText: "Time the loop spent taking these figures (its cost: rate() of it is the share of a core)."))
        setFeedStatus("connecting")
        setStoreStatus("connected")
        // Every reason the live book itself refuses an update has a series from the start.
        setRejections(["unknown_symbol": 0, "bad_value": 0])
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }

    /// The figures a snapshot carries: accounts per state, shortfall, insurance fund, socialized loss,
    /// oldest price age, accounts stale and within `near` of liquidation (one pass over the
    /// accounts: call it once per summary or per second, not per step).
    public func observe(snapshot s: LiveSnapshot, near: Double) {
        for st in AccountState.allCases { accounts[st]?.set(to: Double(s.counts[st] ?? 0)) }
        accountsTotal.set(to: Double(s.accounts.count))
        shortfall.set(to: s.shortfall)
        insuranceFund.set(to: s.insuranceFund)
        socializedLoss.set(to: s.socializedLoss)
        oldestPriceAge.set(to: s.health.oldestPriceAge)
        var stale = 0
        for x in s.accounts.stale where x { stale += 1 }
        var nearCount = 0
        for d in s.accounts.distance where abs(d) <= near { nearCount += 1 }
        staleAccounts.set(to: Double(stale))
        nearLiquidation.set(to: Double(nearCount))
        lastUpdate.set(to: s.time)
    }

    /// The analysis' ages (``LiveEngine/analysisStatus(now:)``).
    public func observe(analysis a: AnalysisStatus) {
        analysisAgeMax.set(to: a.oldestAge)
        analysisAgeNear.set(to: a.oldestNearAge)
        neverAnalysed.set(to: Double(a.neverAnalysed))
    }

    /// Time spent taking the figures (the cost of the metrics themselves).
    public func addUpdateTime(_ d: Duration) {
        let seconds = Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
        if seconds > 0 { updateTime.increment(by: seconds) }
    }

    /// One step's tick-to-snapshot latency.
    public func observeLatency(seconds: Double) {
        guard seconds.isFinite else { return }
        latency.record(max(0, seconds))
    }

    /// The ticks accepted so far (a running total; the counter goes up by the difference).
    public func setTicksAccepted(_ total: Int) {
        let delta = totals.withLock { t -> Int in
            defer { t.ticks = max(t.ticks, total) }
            return total - t.ticks
        }
        if delta > 0 { ticks.increment(by: Int64(delta)) }
    }

    /// Refusals so far by reason (the feed's and the live book's, as a summary counts them):
    /// `margintop_rejected_updates_total{reason=...}` goes up by the difference.
    public func setRejections(_ byReason: [String: Int]) {
        let deltas = totals.withLock { t -> [(String, Int)] in
            var out: [(String, Int)] = []
            for (reason, n) in byReason {
                let before = t.rejected[reason]
                if before.map({ n > $0 }) ?? true { out.append((reason, n - (before ?? 0))) }
                t.rejected[reason] = max(n, before ?? 0)
            }
            return out
        }
        for (reason, n) in deltas {
            let counter = registry.makeCounter(
                descriptor: MetricNameDescriptor(
                    namespace: "margintop", metricName: "rejected_updates", unitName: "total",
                    helpText: "Price updates refused, by reason (the feed's decoding and checks, the book's own)."),
                labels: [("reason", LiveMetrics.labelValue(reason))])
            counter.increment(by: Int64(n))
        }
    }

    /// The feed's status: one of ``feedStatuses`` (anything else counts as `down`).
    public func setFeedStatus(_ status: String) {
        let current = LiveMetrics.feedStatuses.contains(status) ? status : "down"
        for (name, g) in feedStatus { g.set(to: name == current ? 1 : 0) }
        feedUp.set(to: current == "live" ? 1 : 0)
    }

    /// The store's status: one of ``storeStatuses`` (anything else counts as `down`).
    public func setStoreStatus(_ status: String) {
        let current = LiveMetrics.storeStatuses.contains(status) ? status : "down"
        for (name, g) in storeStatus { g.set(to: name == current ? 1 : 0) }
        storeUp.set(to: current == "connected" || current == "none" ? 1 : 0)
    }

    /// A label value free of control characters and of unbounded length.
    static func labelValue(_ text: String) -> String {
        String(TextCell.sanitize(text).prefix(64))
    }
}
