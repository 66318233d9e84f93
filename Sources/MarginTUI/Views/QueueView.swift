import MarginCore

func renderQueue(_ s: AppState, _ b: inout CellBuffer) {
    if s.queue.detail != nil {
        renderReviewDetail(s, &b)
        return
    }
    renderTitleBar(s, &b, screenName: "reviews")
    let q = s.queue
    var status = " \(q.rows.count) review(s)"
    for st in ReviewStatus.allCases { status += "  \(st.rawValue) \(q.rows.filter { $0.status == st }.count)" }
    b.put(row: 1, col: 0, status, role: .dim)
    if q.loading { b.put(row: 1, col: max(0, b.cols - 12), "loading…", role: .dim) }
    if let e = q.error { b.put(row: 1, col: 0, " could not load reviews: \(e) (r retries)", role: .error) }
    // The note fills the row up to the last column (the cells before it take 79).
    let noteW = max(10, b.cols - 80)
    let head =
        " " + TextCell.padRight("ID", 16) + TextCell.padRight("ACCOUNT", 14) + TextCell.padRight("STATUS", 14)
        + TextCell.padLeft("AGE", 8) + "  " + TextCell.padRight("OPERATOR", 14) + TextCell.padLeft("UPDATED", 8)
        + "  NOTE"
    b.put(row: 2, col: 0, head, role: .tableHeader)
    let h = b.rows - 4
    guard h > 0 else { return }
    if q.rows.isEmpty {
        b.put(row: 3, col: 1, q.loading ? "loading…" : "No reviews yet.", role: .dim)
        return
    }
    let top = max(0, min(q.cursor - h / 2, q.rows.count - h))
    for (i, r) in q.rows[top..<min(q.rows.count, top + h)].enumerated() {
        let row = 3 + i
        let selected = top + i == q.cursor
        let role: Role = selected ? .selected : .text
        if selected { b.fill(row: row, col: 0, height: 1, width: b.cols, role: .selected) }
        var x = 1
        func cell(_ t: String, _ w: Int, right: Bool = false, _ rl: Role? = nil) {
            b.putPadded(row: row, col: x, t, width: w, role: selected ? .selected : (rl ?? role), alignRight: right)
            x += w
        }
        let stRole = statusRole(r.status)
        cell(Review.label(r.id), 16)
        cell(r.account, 14)
        cell(r.status.rawValue, 14, stRole)
        cell(Fmt.age(max(0, s.now - r.openedAt)), 8, right: true)
        x += 2
        cell(r.openedBy, 14)
        cell(Fmt.age(max(0, s.now - r.updatedAt)), 8, right: true)
        x += 2
        cell(r.latestNote, noteW, .dim)
    }
}

/// The figures of a review step after `label`: equity, adjusted equity, MM, then ratio, state, distance and
/// time; on two lines when `width` has no room for one.
private func figures(_ label: String, _ m: ReviewMetrics, width: Int) -> [[Span]] {
    let state = AccountState(name: m.state) ?? .safe
    let money: [Span] = [
        Span("equity ", .dim), Span(Money.format(m.equity, decimals: 0)), Span("  adj.eq ", .dim),
        Span(Money.format(m.adjustedEquity, decimals: 0)), Span("  MM ", .dim),
        Span(Money.format(m.maintenanceMargin, decimals: 0)),
    ]
    let health: [Span] = [
        Span("ratio ", .dim), Span(m.marginRatio.map { Fmt.ratio($0) } ?? "inf", Role.of(state)), Span("  ", .dim),
        Span(m.state, Role.of(state)), Span("  distance ", .dim),
        Span(
            state >= .liquidatable && state != .error
                ? "already liquidatable" : m.distanceToLiquidation.map { Fmt.move($0) } ?? "none"),
        Span("  at \(Fmt.clock(m.computedAt))Z", .dim),
    ]
    let head = Span(TextCell.padRight("     " + label, 12), .dim)
    let length = (money + health).reduce(14) { $0 + TextCell.width($1.text) }
    if length <= width { return [[head] + money + [Span("  ")] + health] }
    return [[head] + money, [Span(String(repeating: " ", count: 12))] + health]
}

/// One review's whole history, oldest step first: status, operator, time, note and the figures then.
func reviewDetailDocument(_ s: AppState, _ r: Review, width: Int) -> [[Span]] {
    var doc: [[Span]] = []
    doc.append([
        Span("  account ", .dim), Span(TextCell.sanitize(r.account), .tableHeader), Span("  status ", .dim),
        Span(r.status.rawValue, statusRole(r.status)), Span("  version ", .dim), Span("\(r.version)"),
        Span("  opened by ", .dim), Span(TextCell.sanitize(r.openedBy)),
        Span(" \(Fmt.age(max(0, s.now - r.openedAt))) ago", .dim),
    ])
    doc.append([])
    doc.append([
        Span(" HISTORY (\(r.transitions.count) step(s), oldest first; figures as recomputed then)", .tableHeader)
    ])
    for (i, t) in r.transitions.enumerated() {
        doc.append([])
        doc.append([
            Span("  #\(i + 1) ", .dim), Span(TextCell.padRight(t.status.rawValue, 13), statusRole(t.status)),
            Span("by ", .dim), Span(TextCell.sanitize(t.operator)), Span("  at ", .dim),
            Span("\(Fmt.clock(t.at))Z"), Span(" (\(Fmt.age(max(0, s.now - t.at))) ago)", .dim),
        ])
        let note = t.note.map { TextCell.sanitize($0) } ?? ""
        let lines = note.isEmpty ? ["(no note)"] : Fmt.wrap(note, width: max(20, width - 14))
        for (j, l) in lines.enumerated() {
            doc.append([Span(j == 0 ? "     note   " : "            ", .dim), Span(l, note.isEmpty ? .dim : .text)])
        }
        if let m = t.metrics {
            doc += figures("then", m, width: width)
        } else {
            doc.append([Span("     then   ", .dim), Span("no figures (the account was not in the store)", .dim)])
        }
        // The figures the dialog showed and the operator confirmed, beside those recomputed then.
        if let c = t.confirmed { doc += figures("dialog", c, width: width) }
    }
    return doc
}

/// The largest useful scroll of the review shown.
func reviewDetailMaxScroll(_ s: AppState) -> Int {
    guard let r = detailReview(s) else { return 0 }
    return max(0, reviewDetailDocument(s, r, width: s.cols).count - max(1, s.rows - 4))
}

func statusRole(_ st: ReviewStatus) -> Role {
    switch st {
    case .open: .warning
    case .acknowledged: .text
    case .liquidated: .liquidatable
    case .dismissed: .dim
    }
}

/// One review with its whole history (Enter on the queue).
func renderReviewDetail(_ s: AppState, _ b: inout CellBuffer) {
    renderTitleBar(s, &b, screenName: "review")
    guard let id = s.queue.detail else { return }
    b.put(row: 1, col: 0, spans: [Span(" "), Span(Review.label(id), .tableHeader)])
    guard let r = detailReview(s) else {
        b.put(row: 3, col: 1, "Review \(Review.label(id)) is no longer in the list.", role: .dim)
        return
    }
    var actions: [Span] = []
    if !s.readOnly && !r.status.isTerminal {
        if r.status == .open { actions += [Span("A", .tableHeader), Span(" acknowledge  ", .dim)] }
        actions += [
            Span("C", .tableHeader), Span(" resolve: liquidated  ", .dim), Span("X", .tableHeader),
            Span(" resolve: dismissed", .dim),
        ]
    }
    b.put(row: 1, col: 2 + TextCell.width(Review.label(id)), spans: [Span("   ")] + actions, maxCol: b.cols)
    let doc = reviewDetailDocument(s, r, width: b.cols)
    let h = max(1, b.rows - 4)
    let scroll = max(0, min(s.queue.detailScroll, doc.count - h))
    for (i, line) in doc.dropFirst(scroll).prefix(h).enumerated() {
        b.put(row: 2 + i, col: 0, spans: line, maxCol: b.cols - 1)
    }
    if doc.count > h {
        let pos = "lines \(scroll + 1)-\(min(doc.count, scroll + h))/\(doc.count)"
        b.put(row: b.rows - 2, col: max(0, b.cols - TextCell.width(pos) - 1), pos, role: .dim)
    }
}
