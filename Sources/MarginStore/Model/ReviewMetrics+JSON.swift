import MarginCore

extension ReviewMetrics {
    /// The figures as JSON, as audit payloads and `review list --format json` write them
    /// (the account and the time are the review's and the transition's, so they are left out).
    public var json: JSONValue {
        func num(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        return .object([
            ("equity", .number(equity)),
            ("adjustedEquity", .number(adjustedEquity)),
            ("initialMargin", .number(initialMargin)),
            ("maintenanceMargin", .number(maintenanceMargin)),
            ("marginRatio", num(marginRatio)),
            ("state", .string(state)),
            ("distanceToLiquidation", num(distanceToLiquidation)),
        ])
    }
}
