/// An operator's review of an account at risk, with every step it went through.
///
/// ```swift
/// let r = Review(id: 7, account: "ACC-1", status: .open, version: 1, openedBy: "alice",
///                openedAt: t, updatedAt: t,
///                transitions: [ReviewTransition(status: .open, operator: "alice", at: t,
///                                               note: "margin call sent", metrics: nil)])
/// r.latestNote  // "margin call sent"
/// ```
public struct Review: Sendable, Equatable, Identifiable {
    public var id: Int64
    public var account: String
    public var status: ReviewStatus
    /// Grows by one with every transition; writes compare and set it, so an action on a
    /// version someone else moved on is refused.
    public var version: Int
    public var openedBy: String
    /// Seconds since the epoch.
    public var openedAt: Double
    /// Seconds since the epoch.
    public var updatedAt: Double
    /// Every step, the opening first.
    public var transitions: [ReviewTransition]

    public init(
        id: Int64, account: String, status: ReviewStatus, version: Int, openedBy: String, openedAt: Double,
        updatedAt: Double, transitions: [ReviewTransition]
    ) {
        self.id = id
        self.account = account
        self.status = status
        self.version = version
        self.openedBy = openedBy
        self.openedAt = openedAt
        self.updatedAt = updatedAt
        self.transitions = transitions
    }

    /// The notes of every step, in order.
    public var notes: [String] { transitions.compactMap(\.note) }

    /// The latest note (opening, acknowledgement or resolution); empty when there is none.
    public var latestNote: String { notes.last ?? "" }
}
