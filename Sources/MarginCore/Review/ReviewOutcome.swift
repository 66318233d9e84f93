/// How an operator closes a review: the account was liquidated, or the review dismissed.
public enum ReviewOutcome: String, Sendable, Equatable, CaseIterable {
    case liquidated, dismissed

    /// The final status this outcome moves a review to.
    public var status: ReviewStatus { self == .liquidated ? .liquidated : .dismissed }
}
