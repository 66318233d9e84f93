import MarginCore

func renderQueue(_ s: AppState, _ b: inout CellBuffer) {
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
        let stRole: Role =
            switch r.status {
            case .open: .warning
            case .acknowledged: .text
            case .liquidated: .liquidatable
            case .dismissed: .dim
            }
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
