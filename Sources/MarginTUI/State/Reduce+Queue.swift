import MarginCore

// Keys on the review queue and on one review's history. One meaning per key on every screen:
// lowercase keys move, sort and open (`l`, Enter and → open what is under the cursor, `h`, Esc
// and ← go back), uppercase keys act: `L` opens liquidation reviews, `A` acknowledges, `C` resolves
// as liquidated (closed out), `X` resolves as dismissed; `R` shows (and refreshes) the queue.

/// In `--read-only`, an action key says so instead of doing nothing; returns whether it refused.
func readOnlyRefuses(_ s: inout AppState, _ what: String) -> Bool {
    guard s.readOnly else { return false }
    s.notice = Notice(text: "read-only: no \(what) (started with --read-only)", role: .error, until: s.now + 4)
    return true
}

/// The review shown with its history, if it is still in the list.
func detailReview(_ s: AppState) -> Review? {
    s.queue.detail.flatMap { id in s.queue.rows.first { $0.id == id } }
}

func queueKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    if s.queue.prompt != nil { return promptKey(&s, key) }
    if key == .char("R") {
        s.queue.loading = true
        return [.loadReviews]
    }
    if let e = commonKey(&s, key) { return e }
    if s.queue.detail != nil { return reviewDetailKey(&s, key) }
    let n = s.queue.rows.count
    switch key {
    case .escape, .left, .char("h"), .backspace: s.screen = s.drill != nil ? .drill : .overview
    case .down, .char("j"): s.queue.cursor = min(max(0, n - 1), s.queue.cursor + 1)
    case .up, .char("k"): s.queue.cursor = max(0, s.queue.cursor - 1)
    case .home, .char("g"): s.queue.cursor = 0
    case .end, .char("G"): s.queue.cursor = max(0, n - 1)
    case .pageDown, .ctrl("f"): s.queue.cursor = min(max(0, n - 1), s.queue.cursor + max(1, s.rows - 6))
    case .pageUp, .ctrl("b"): s.queue.cursor = max(0, s.queue.cursor - max(1, s.rows - 6))
    case .enter, .right, .char("l"):
        guard s.queue.rows.indices.contains(s.queue.cursor) else { return [] }
        s.queue.detail = s.queue.rows[s.queue.cursor].id
        s.queue.detailScroll = 0
    case .char("A"), .char("C"), .char("X"):
        guard s.queue.rows.indices.contains(s.queue.cursor) else { return [] }
        startPrompt(&s, key, on: s.queue.rows[s.queue.cursor])
    case .char("a"), .char("x"), .char("r"):
        // The queue's old keys: `a` and `x` sort on the overview, so acting takes the uppercase ones.
        s.notice = Notice(
            text: "on reviews: A acknowledge, C liquidated, X dismissed, R refresh (uppercase)", role: .text,
            until: s.now + 4)
    default: break
    }
    return []
}

/// Keys on one review's history: scroll, back, and the same actions as on the queue.
func reviewDetailKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    let maxScroll = reviewDetailMaxScroll(s)
    let page = max(1, s.rows - 5)
    s.queue.detailScroll = min(s.queue.detailScroll, maxScroll)
    switch key {
    case .escape, .left, .char("h"), .backspace: s.queue.detail = nil
    case .down, .char("j"): s.queue.detailScroll = min(maxScroll, s.queue.detailScroll + 1)
    case .up, .char("k"): s.queue.detailScroll = max(0, s.queue.detailScroll - 1)
    case .pageDown, .ctrl("f"): s.queue.detailScroll = min(maxScroll, s.queue.detailScroll + page)
    case .pageUp, .ctrl("b"): s.queue.detailScroll = max(0, s.queue.detailScroll - page)
    case .home, .char("g"): s.queue.detailScroll = 0
    case .end, .char("G"): s.queue.detailScroll = maxScroll
    case .char("A"), .char("C"), .char("X"):
        guard let r = detailReview(s) else { return [] }
        startPrompt(&s, key, on: r)
    default: break
    }
    return []
}

/// `A`, `C` or `X` on a review: the note prompt for that step, when the lifecycle allows it.
func startPrompt(_ s: inout AppState, _ key: Key, on row: Review) {
    guard !readOnlyRefuses(&s, "acknowledging or resolving reviews") else { return }
    let kind: QueuePrompt.Kind =
        key == .char("A") ? .acknowledge : (key == .char("C") ? .resolve(.liquidated) : .resolve(.dismissed))
    if row.status.isTerminal {
        s.notice = Notice(
            text: "review \(Review.label(row.id)) is already \(row.status.rawValue)", role: .error, until: s.now + 4)
        return
    }
    if kind == .acknowledge && row.status != .open {
        s.notice = Notice(text: "only open reviews can be acknowledged", role: .error, until: s.now + 4)
        return
    }
    s.queue.prompt = QueuePrompt(reviewId: row.id, version: row.version, kind: kind)
}

func promptKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    guard var p = s.queue.prompt else { return [] }
    switch key {
    case .escape: s.queue.prompt = nil
    case .enter:
        guard !p.saving else { return [] }
        p.saving = true
        p.error = nil
        s.queue.prompt = p
        switch p.kind {
        case .acknowledge: return [.acknowledge(id: p.reviewId, version: p.version, note: p.note.text)]
        case .resolve(let o): return [.resolve(id: p.reviewId, version: p.version, outcome: o, note: p.note.text)]
        }
    default:
        if !p.saving {
            _ = p.note.handle(key)
            s.queue.prompt = p
        }
    }
    return []
}
