import MarginCore
import MarginLive

/// Review figures of accounts at one snapshot, asked of Core off the main actor
/// (``Effect/reviewMetrics(_:)``): each is a one-account distance search.
public struct MetricsRequest: Sendable, Equatable {
    /// What the figures are for: the dialog showing them, or the reviews about to be opened with this note.
    public enum Purpose: Sendable, Equatable {
        case show
        case submit(note: String)
    }

    public var accountIds: [String]
    public var purpose: Purpose
    public var snapshot: LiveSnapshot

    public init(accountIds: [String], purpose: Purpose, snapshot: LiveSnapshot) {
        self.accountIds = accountIds
        self.purpose = purpose
        self.snapshot = snapshot
    }

    /// The figures, as the action that takes them (accounts that left the book are skipped).
    public func compute() -> Action {
        let metrics = accountIds.compactMap { id in
            snapshot.accountIndex(id: id).map { snapshot.reviewMetrics(account: $0) }
        }
        return .reviewMetricsComputed(accountIds: accountIds, purpose: purpose, metrics)
    }

    /// Same accounts, purpose and snapshot (by version and time).
    public static func == (a: MetricsRequest, b: MetricsRequest) -> Bool {
        a.accountIds == b.accountIds && a.purpose == b.purpose && a.snapshot.version == b.snapshot.version
            && a.snapshot.time == b.snapshot.time
    }
}
