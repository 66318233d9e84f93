import MarginDashboard
import MarginTUI

/// What the dashboard runs with: the command line over the config file over the defaults.
public struct DashboardSettings: Sendable, Equatable {
    /// Account store URL; `nil` for the embedded default store.
    public var store: String?
    public var feed = "sim:accel=1"
    public var theme = "default"
    public var operatorName: String
    public var readOnly = false

    public init(operatorName: String) { self.operatorName = operatorName }

    /// The app loop's options.
    public var dashboardOptions: DashboardOptions {
        DashboardOptions(operatorName: operatorName, readOnly: readOnly)
    }
}
