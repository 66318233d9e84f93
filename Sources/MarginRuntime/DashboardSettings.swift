import MarginDashboard
import MarginMetrics
import MarginTUI

/// What the dashboard runs with: the command line over the config file over the defaults.
public struct DashboardSettings: Sendable, Equatable {
    /// Account store URL; `nil` for the embedded default store.
    public var store: String?
    public var feed = "sim:accel=1"
    public var theme = "default"
    public var operatorName: String
    public var readOnly = false
    public var columns = OverviewColumn.defaults
    public var sort = SortKey.priority
    public var sortReversed = false
    public var near = 0.05
    /// Clicks, double clicks and the wheel (`--no-mouse`, `mouse = false`: off).
    public var mouse = true
    /// `--metrics HOST:PORT`: where to serve Prometheus metrics (`nil`: off).
    public var metrics: MetricsAddress?

    public init(operatorName: String) { self.operatorName = operatorName }

    /// The dashboard options as given on the command line: `nil` (or `false`) when not given.
    public struct CommandLine: Sendable, Equatable {
        public var store, feed, theme, operatorName, columns, sort, near, metrics: String?
        public var readOnly = false
        public var noMouse = false
        /// `--cluster`: the merged view of the store's shards instead (``ClusterScreen``).
        public var cluster = false
        public init() {}
    }

    /// The command line over `config` over the defaults (`loginName` for the operator). A bad value on the
    /// command line is a usage error (64) naming the option.
    public static func resolve(_ cli: CommandLine, config: DashboardConfig, loginName: String)
        throws(DashboardLaunchError) -> DashboardSettings
    {
        var s = DashboardSettings(operatorName: cli.operatorName ?? config.operatorName ?? loginName)
        s.store = cli.store ?? config.store
        s.feed = cli.feed ?? config.feed ?? s.feed
        s.theme = cli.theme ?? config.theme ?? s.theme
        s.readOnly = cli.readOnly || (config.readOnly ?? false)
        s.mouse = !cli.noMouse && (config.mouse ?? true)
        if let list = cli.columns {
            switch OverviewColumn.parse(list: list) {
            case .success(let c): s.columns = c
            case .failure(let e): throw .usage("--columns \(list): \(e)")
            }
        } else if let c = config.columns {
            s.columns = c
        }
        if let text = cli.sort {
            guard let (k, r) = SortKey.parse(text) else {
                throw .usage("--sort \(text): unknown sort; the sorts are \(SortKey.names) (a leading - reverses)")
            }
            (s.sort, s.sortReversed) = (k, r)
        } else if let k = config.sort {
            (s.sort, s.sortReversed) = (k, config.sortReversed ?? false)
        }
        if let text = cli.metrics {
            do { s.metrics = try MetricsAddress(parsing: text) } catch { throw .usage(error.message) }
        } else {
            s.metrics = config.metrics
        }
        if let text = cli.near {
            guard let v = Watcher.parseNear(text) else {
                throw .usage("--near must be a decimal fraction in (0, 10], e.g. 0.05, not '\(text)'")
            }
            s.near = v
        } else if let v = config.near {
            s.near = v
        }
        return s
    }

    /// The app loop's options.
    public var dashboardOptions: DashboardOptions {
        var o = DashboardOptions(operatorName: operatorName, readOnly: readOnly)
        o.columns = columns
        o.sort = sort
        o.sortReversed = sortReversed
        o.near = near
        return o
    }
}
