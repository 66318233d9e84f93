import MarginCore

/// An account coming within the near threshold of liquidation, or leaving it.
public struct NearChange: Sendable, Equatable {
    /// Time of the prices the distance was computed at.
    public var time: Double
    public var account: Int
    public var accountId: String
    public var entered: Bool
    /// The distance that caused it; `nil` when no move in range liquidates the account.
    public var distance: Double?
}

/// Which accounts are within `threshold` of liquidation, with hysteresis: an account enters
/// when `|distance| <= threshold` and leaves only once `|distance| > threshold * leaveFactor`
/// (or no move in range liquidates it), so one near the edge does not flap.
public struct NearTracker: Sendable {
    /// An account leaves once its distance is this many times the threshold.
    public static let leaveFactor = 1.2
    public let threshold: Double
    private var near: [Bool] = []
    private var ids: [String] = []
    private var generation = -1

    public init(threshold: Double) { self.threshold = threshold }

    /// The changes among `accounts` of `table` (just analysed); `ids` are the accounts' ids.
    mutating func update(_ accounts: [Int], table: AnalysisTable, ids: [String]) -> [NearChange] {
        if table.generation != generation {
            // A recompiled book: keep each still-present account's flag by id.
            var was: [String: Bool] = [:]
            for (k, id) in self.ids.enumerated() where near[k] { was[id] = true }
            near = ids.map { was[$0] ?? false }
            self.ids = ids
            generation = table.generation
        }
        var out: [NearChange] = []
        for a in accounts where table.analysedAt[a] > -.infinity {
            let d = table.distance[a]
            let size = d.isNaN ? Double.infinity : abs(d)
            let next = near[a] ? size <= threshold * NearTracker.leaveFactor : size <= threshold
            guard next != near[a] else { continue }
            near[a] = next
            out.append(
                NearChange(
                    time: table.analysedAt[a], account: a, accountId: ids[a], entered: next,
                    distance: d.isNaN ? nil : d))
        }
        return out.sorted { $0.account < $1.account }
    }

    /// Accounts near now.
    public var count: Int { near.lazy.filter { $0 }.count }
}
