/// The health of a feed, as an operator should see it.
///
/// A feed is `live` only while prices arrive; silence beyond the watchdog timeout or any
/// disconnect shows as `down` (with the reason) followed by `reconnecting`.
public enum FeedStatus: Sendable, Equatable, CustomStringConvertible {
    /// Connecting (or connected and waiting for the first price).
    case connecting
    /// Prices are flowing.
    case live
    /// Waiting `nextDelay` before connection attempt number `attempt` (1-based).
    case reconnecting(attempt: Int, nextDelay: Duration)
    /// Not delivering prices, with the reason (closed, refused, silent, ...).
    case down(reason: String)
    /// The feed ended for good (end of a replay or file, or stopped).
    case finished

    public var description: String {
        switch self {
        case .connecting: return "connecting"
        case .live: return "live"
        case .reconnecting(let attempt, let delay):
            return "reconnecting (attempt \(attempt) in \(FeedStatus.rounded(delay)))"
        case .down(let reason): return "down: \(reason)"
        case .finished: return "finished"
        }
    }

    /// A delay as an operator reads it: `0.5s`, `1.6s` under ten seconds, whole seconds above
    /// (`26s`, not `25.941799841999998 seconds`).
    public static func rounded(_ d: Duration) -> String {
        let s = max(0, Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18)
        if s < 9.95 { return "\((s * 10).rounded() / 10)s" }
        return "\(Int(s.rounded()))s"
    }

    /// Whether prices from this feed can be trusted as current.
    public var isLive: Bool { self == .live }
}
