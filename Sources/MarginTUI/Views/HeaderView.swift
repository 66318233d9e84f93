import MarginCore
import MarginLive

/// One field of the header bar: its text, role, and how much it matters when the bar is narrow.
struct HeaderField {
    var text: String
    var role: Role
    /// Fields of lower priority give way first: dropped at their `priority`.
    var priority: Int
    /// A field that may be cut: cut down to `minWidth` cells at priority `cutAt` (before fields of
    /// a higher priority go), dropped only at its own `priority`.
    var minWidth: Int?
    var cutAt: Int?

    init(text: String, role: Role, priority: Int, minWidth: Int? = nil, cutAt: Int? = nil) {
        self.text = text
        self.role = role
        self.priority = priority
        self.minWidth = minWidth
        self.cutAt = cutAt
    }
}

/// The header's fields by priority: the state of the data and the time first, then who is at the
/// desk, then what explains the data (feed, oldest price, refusals), then the rest.
enum HeaderPriority {
    static let badge = 100
    static let clock = 99
    static let readOnly = 97
    static let operatorName = 95
    static let feed = 90
    static let oldest = 85
    /// A long feed status is cut before the oldest price's age goes.
    static let feedCut = 84
    static let rejected = 80
    static let paused = 98
    static let screen = 70
    static let quote = 65
    static let p99 = 60
    static let ticks = 50
    static let store = 40
    static let name = 20
}

/// The fields that fit `width` cells, in their order: given up lowest priority first, a cuttable
/// field cut to its `minWidth` at its `cutAt` level and dropped at its priority.
func fitHeader(_ fields: [HeaderField], width: Int) -> [HeaderField] {
    var out = fields
    func total() -> Int { out.reduce(0) { $0 + TextCell.width($1.text) } }
    let levels = Set(fields.map(\.priority) + fields.compactMap(\.cutAt)).sorted()
    for level in levels {
        for k in out.indices.reversed() {
            let over = total() - width
            guard over > 0 else { return out }
            let w = TextCell.width(out[k].text)
            let minWidth = out[k].minWidth ?? w
            if out[k].cutAt == level, w > minWidth {
                // Cut as far as needed, down to its minimum; dropped later, at its priority, if need be.
                out[k].text = TextCell.truncate(out[k].text, width: max(minWidth, w - over) - 1) + " "
            } else if out[k].priority == level {
                if out[k].cutAt == nil, w - over >= minWidth, w > minWidth {
                    out[k].text = TextCell.truncate(out[k].text, width: w - over - 1) + " "
                } else {
                    out.remove(at: k)
                }
            }
        }
    }
    return out
}

/// The header bar shared by every screen: the data's state, the clock, the operator, the feed,
/// price age, latency, store.
func renderTitleBar(_ s: AppState, _ b: inout CellBuffer, screenName: String) {
    b.fill(row: 0, col: 0, height: 1, width: b.cols, role: .title)
    typealias P = HeaderPriority
    var fields = [
        HeaderField(text: " margintop ", role: .titleAccent, priority: P.name),
        HeaderField(text: "│ \(screenName) ", role: .title, priority: P.screen),
    ]
    if let snap = s.snapshot {
        let h = snap.health
        let data = DataStatus(snap)
        fields.append(
            HeaderField(text: "│ \(data.badge) ", role: data.isLive ? .titleAccent : .error, priority: P.badge))
        if s.paused { fields.append(HeaderField(text: "│ PAUSED ", role: .error, priority: P.paused)) }
        if s.readOnly { fields.append(HeaderField(text: "│ READ-ONLY ", role: .titleAccent, priority: P.readOnly)) }
        fields.append(
            HeaderField(
                text: "│ feed \(TextCell.sanitize(h.feedStatus)) ", role: h.feedIsLive ? .title : .titleAccent,
                priority: P.feed, minWidth: 14, cutAt: P.feedCut))
        // The book's quote currency, once: every amount on screen is in it.
        fields.append(HeaderField(text: "│ \(TextCell.sanitize(snap.book.quote)) ", role: .title, priority: P.quote))
        fields.append(
            HeaderField(text: "│ \(Int(h.ticksPerSecond.rounded())) ticks/s ", role: .title, priority: P.ticks))
        // Ages count from real ticks: none yet is said, not shown as the loop's start.
        let oldest = h.lastTickTime == nil ? "no tick yet" : Fmt.age(h.oldestPriceAge)
        let old = !(h.oldestPriceAge <= snap.marginBook.market.params.staleAfterSeconds)
        fields.append(HeaderField(text: "│ oldest \(oldest) ", role: old ? .titleAccent : .title, priority: P.oldest))
        // No recompute yet: no latency to show (not 0.0ms).
        let p99 = h.recomputeSamples > 0 ? String(format: "%.1fms", h.recomputeP99Ms) : "-"
        fields.append(HeaderField(text: "│ p99 \(p99) ", role: .title, priority: P.p99))
        // Only when something was refused: a clean feed keeps the bar as it was.
        if h.rejectedTotal > 0 {
            fields.append(HeaderField(text: "│ rej \(h.rejectedTotal) ", role: .titleAccent, priority: P.rejected))
        }
        fields.append(
            HeaderField(
                text: "│ store \(TextCell.sanitize(h.storeStatus)) ", role: .title, priority: P.store, minWidth: 12))
    } else if let doing = s.loading {
        fields.append(HeaderField(text: "│ LOADING ", role: .titleAccent, priority: P.badge))
        fields.append(
            HeaderField(text: "│ \(TextCell.sanitize(doing))… ", role: .title, priority: P.feed, minWidth: 12))
    } else {
        fields.append(
            HeaderField(
                text: s.readOnly ? "│ READ-ONLY " : "│ STARTING ", role: .titleAccent, priority: P.badge))
        fields.append(
            HeaderField(text: "│ waiting for the first snapshot… ", role: .title, priority: P.feed, minWidth: 12))
    }
    fields.append(
        HeaderField(
            text: "│ op \(TextCell.sanitize(s.operatorName)) ", role: .title, priority: P.operatorName, minWidth: 8))
    if let snap = s.snapshot {
        fields.append(HeaderField(text: "│ \(Fmt.clock(snap.time))Z", role: .title, priority: P.clock))
    }
    var fitted = fitHeader(fields, width: b.cols)
    // The first field kept opens the bar: no separator before it.
    if let first = fitted.first, first.text.hasPrefix("│") { fitted[0].text = " " + first.text.dropFirst() }
    b.put(row: 0, col: 0, spans: fitted.map { Span($0.text, $0.role) })
}
