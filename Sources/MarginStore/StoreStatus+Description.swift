extension StoreStatus: CustomStringConvertible {
    /// In plain words, for watch events and the dashboard header: `connected`,
    /// `reconnecting (attempt 2): connection refused`, `down: connection refused`.
    public var description: String {
        switch self {
        case .connected: "connected"
        case .reconnecting(let attempt, let reason): "reconnecting (attempt \(attempt)): \(reason)"
        case .down(let reason): "down: \(reason)"
        }
    }
}
