/// Where a manual liquidation review stands, and the moves its lifecycle allows.
///
/// Allowed moves: `open → acknowledged`, and from `open` or `acknowledged` to
/// `liquidated` or `dismissed` (resolving without acknowledging first is allowed).
/// `liquidated` and `dismissed` are final.
///
/// ```swift
/// ReviewStatus.open.canMove(to: .dismissed)        // true
/// ReviewStatus.liquidated.canMove(to: .dismissed)  // false: resolved
/// ```
public enum ReviewStatus: String, Sendable, Equatable, CaseIterable {
    case open, acknowledged, liquidated, dismissed

    /// Whether no further move is allowed (the review is resolved).
    public var isTerminal: Bool { self == .liquidated || self == .dismissed }

    /// Whether a review may move from `self` to `next`.
    public func canMove(to next: ReviewStatus) -> Bool {
        switch (self, next) {
        case (.open, .acknowledged), (.open, .liquidated), (.open, .dismissed),
            (.acknowledged, .liquidated), (.acknowledged, .dismissed):
            return true
        default:
            return false
        }
    }
}
