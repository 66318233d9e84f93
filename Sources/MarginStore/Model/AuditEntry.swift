import MarginCore

/// One line of the append-only audit log.
public struct AuditEntry: Sendable, Equatable {
    /// Increasing sequence number.
    public var seq: Int64
    /// Seconds since the epoch.
    public var at: Double
    public var `operator`: String
    /// `import`, `account.put`, `account.remove`, `review.open`, `review.ack`, `review.resolve`.
    public var action: String
    /// A JSON object describing the action.
    public var payload: String
    /// The previous row's ``hash`` (``AuditChain/genesis`` for the first row).
    public var prevHash: String
    /// SHA-256 over this row's columns and ``prevHash`` (``AuditChain``), in hexadecimal.
    public var hash: String
}

/// Audit action names.
enum AuditAction {
    static let importBook = "import"
    static let putAccount = "account.put"
    static let removeAccount = "account.remove"
    static func review(_ status: ReviewStatus) -> String {
        switch status {
        case .open: return "review.open"
        case .acknowledged: return "review.ack"
        case .liquidated, .dismissed: return "review.resolve"
        }
    }
}
