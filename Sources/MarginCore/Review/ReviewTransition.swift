/// One step of a review: who moved it where, when, why, and the account's figures then.
public struct ReviewTransition: Sendable, Equatable {
    public var status: ReviewStatus
    public var `operator`: String
    /// Seconds since the epoch.
    public var at: Double
    public var note: String?
    /// The account's figures then, recomputed when the step was committed; `nil` when the
    /// account was no longer in the store.
    public var metrics: ReviewMetrics?
    /// The figures the operator saw and confirmed before the step (the review dialog's), kept
    /// beside the recomputed ``metrics``; `nil` when none were shown (the CLI, later steps).
    public var confirmed: ReviewMetrics?

    public init(
        status: ReviewStatus, operator: String, at: Double, note: String?, metrics: ReviewMetrics?,
        confirmed: ReviewMetrics? = nil
    ) {
        self.status = status
        self.operator = `operator`
        self.at = at
        self.note = note
        self.metrics = metrics
        self.confirmed = confirmed
    }
}
