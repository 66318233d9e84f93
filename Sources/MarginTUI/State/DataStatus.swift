import MarginCore
import MarginLive

/// What the screen can honestly say about the prices behind its figures: live, or why not.
///
/// Derived from a snapshot's ``LoopHealth`` and its asset quotes, in this order: the feed has
/// ended (`REPLAY ENDED`), the feed is down (`DOWN`), no price has arrived yet or a price is older
/// than the book's `staleAfter` (`STALE`). Every state but live comes with a banner line (what,
/// since when, the reason) and a caveat for the counts line; ages count from the last real tick,
/// never from the book's stored prices.
///
/// ```swift
/// let d = DataStatus(snap)
/// d.badge    // "DOWN"
/// d.banner   // "FEED DOWN since 12:00:01Z (41s): connection refused │ binance reconnecting (attempt 7 in 26s) │ …"
/// ```
public struct DataStatus: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case live
        /// No price update has arrived yet: every figure rests on the book's stored prices.
        case noPrices
        /// The feed is live, but some price is older than `staleAfter`.
        case stale
        /// The feed is down or reconnecting.
        case down
        /// The feed has ended for good.
        case ended
    }

    public var kind: Kind
    /// The header badge: `LIVE`, `STALE`, `DOWN`, `REPLAY ENDED` (`FEED ENDED` for other feeds).
    public var badge: String
    /// The full-width line under the header; `nil` while live.
    public var banner: String?
    /// What the counts line adds about the prices its numbers rest on; `nil` while live.
    public var caveat: String?

    public var isLive: Bool { kind == .live }

    public init(_ snap: LiveSnapshot) {
        let h = snap.health
        let now = snap.time
        let limit = snap.marginBook.market.params.staleAfterSeconds
        func since(_ t: Double) -> String { "since \(Fmt.clock(t))Z (\(Fmt.age(now - t)))" }
        let lastTick =
            h.lastTickTime.map { "last tick \(Fmt.clock($0))Z, \(Fmt.age(now - $0)) ago" }
            ?? "no price received yet"
        let feed = h.feedName.isEmpty ? "the feed" : TextCell.sanitize(h.feedName)
        let reason = h.feedDownReason.map { TextCell.sanitize($0) }
        let status = TextCell.sanitize(h.feedStatus)
        if h.lastTickTime == nil {
            caveat = "figures on the book's stored prices"
        } else if h.oldestPriceAge.isFinite {
            caveat = "figures on prices up to \(Fmt.age(h.oldestPriceAge)) old"
        } else {
            caveat = "figures partly on the book's stored prices"
        }
        if h.feedFinished {
            kind = .ended
            let replay = h.feedName.hasPrefix("replay")
            badge = replay ? "REPLAY ENDED" : "FEED ENDED"
            let what = replay ? "REPLAY ENDED" : "FEED ENDED (\(feed))"
            banner = "\(what) \(h.feedNotLiveSince.map(since) ?? ""): prices frozen │ \(lastTick)"
        } else if !h.feedIsLive && (reason != nil || h.lastTickTime != nil) {
            kind = .down
            badge = "DOWN"
            // What, since when, why first: the rest may be cut on a narrow screen.
            let what = "FEED DOWN \(h.feedNotLiveSince.map(since) ?? "")" + (reason.map { ": \($0)" } ?? "")
            banner = [what, lastTick, status].joined(separator: " │ ")
        } else if h.lastTickTime == nil {
            kind = .noPrices
            badge = "STALE"
            let waiting = h.feedNotLiveSince.map(since) ?? since(now)
            banner =
                "NO PRICES YET: waiting for \(feed) \(waiting) │ \(status) │ figures rest on the book's stored prices"
        } else if let oldest = snap.assets.filter({ $0.stale }).map(\.age).max(), oldest > limit {
            kind = .stale
            badge = "STALE"
            let names = snap.assets.filter(\.stale).map { TextCell.sanitize($0.name) }.joined(separator: " ")
            let from = oldest.isFinite ? since(now - oldest) : "never ticked"
            banner =
                "STALE PRICES: \(names), no tick \(from), over staleAfter \(Fmt.age(limit)) │ \(lastTick)"
        } else {
            kind = .live
            badge = "LIVE"
            banner = nil
            caveat = nil
        }
    }
}
