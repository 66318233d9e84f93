import MarginCore
import MarginLive

/// One column of the account table.
struct TableColumn {
    enum ID { case mark, id, name, model, equity, adjustedEquity, im, mm, ratio, bar, distance, exposure, age, state }
    var id: ID
    var title: String
    var width: Int
    var right: Bool
    var sort: SortKey?
    /// Columns with lower keep values are dropped first when the screen is narrow.
    var keep: Int
}

enum OverviewLayout {
    static let all: [TableColumn] = [
        TableColumn(id: .mark, title: "", width: 2, right: false, sort: nil, keep: 100),
        TableColumn(id: .id, title: "ID", width: 11, right: false, sort: .id, keep: 99),
        TableColumn(id: .name, title: "NAME", width: 10, right: false, sort: .name, keep: 98),
        TableColumn(id: .model, title: "MODEL", width: 9, right: false, sort: .model, keep: 20),
        TableColumn(id: .equity, title: "EQUITY", width: 12, right: true, sort: .equity, keep: 60),
        TableColumn(id: .adjustedEquity, title: "ADJ.EQ", width: 12, right: true, sort: .adjustedEquity, keep: 70),
        TableColumn(id: .im, title: "IM", width: 11, right: true, sort: .initialMargin, keep: 30),
        TableColumn(id: .mm, title: "MM", width: 11, right: true, sort: .maintenanceMargin, keep: 65),
        TableColumn(id: .ratio, title: "RATIO", width: 7, right: true, sort: .ratio, keep: 95),
        TableColumn(id: .bar, title: "", width: 10, right: false, sort: nil, keep: 25),
        TableColumn(id: .distance, title: "DIST", width: 8, right: true, sort: .distance, keep: 80),
        TableColumn(id: .exposure, title: "LARGEST EXP", width: 15, right: false, sort: .exposure, keep: 40),
        TableColumn(id: .age, title: "AGE", width: 6, right: true, sort: .age, keep: 50),
        TableColumn(id: .state, title: "STATE", width: 12, right: false, sort: .state, keep: 97),
    ]

    /// The table column of a chosen column.
    static func column(_ c: OverviewColumn) -> TableColumn? {
        let id: TableColumn.ID =
            switch c {
            case .id: .id
            case .name: .name
            case .model: .model
            case .equity: .equity
            case .adjustedEquity: .adjustedEquity
            case .im: .im
            case .mm: .mm
            case .ratio: .ratio
            case .bar: .bar
            case .distance: .distance
            case .exposure: .exposure
            case .age: .age
            case .state: .state
            }
        return all.first { $0.id == id }
    }

    /// The chosen columns (after the mark column) that fit `cols`, in the chosen order, with their x
    /// positions; the name column takes spare width (up to 30).
    static func fit(cols: Int, columns: [OverviewColumn] = OverviewColumn.defaults) -> [(TableColumn, Int)] {
        var chosen = all.filter { $0.id == .mark } + columns.compactMap(column)
        func total(_ c: [TableColumn]) -> Int { c.reduce(0) { $0 + $1.width } + max(0, c.count - 1) }
        while total(chosen) > cols, let drop = chosen.filter({ $0.keep < 90 }).min(by: { $0.keep < $1.keep }) {
            chosen.removeAll { $0.id == drop.id }
        }
        let spare = max(0, cols - total(chosen))
        if let i = chosen.firstIndex(where: { $0.id == .name }) { chosen[i].width += min(spare, 20) }
        var x = 0
        return chosen.map { c in
            defer { x += c.width + 1 }
            return (c, x)
        }
    }
}

func renderOverview(_ s: AppState, _ b: inout CellBuffer) {
    renderTitleBar(s, &b, screenName: "overview")
    guard let snap = s.snapshot else {
        if let doing = s.loading {
            // `put` sanitizes what it writes.
            b.put(row: 2, col: 1, doing.prefix(1).uppercased() + doing.dropFirst() + "…", role: .dim)
        } else {
            b.put(row: 2, col: 1, "Waiting for the live book…", role: .dim)
        }
        return
    }
    let data = DataStatus(snap)
    var row = 1
    if let banner = data.banner {
        renderBanner(banner, &b, row: row)
        row += 1
    }
    renderCounts(s, snap, &b, row: row, caveat: data.caveat)
    let stripRows = Layout.stripRows(assetCount: snap.assets.count, cols: b.cols)
    renderPriceStrip(snap, &b, row: row + 1, rows: stripRows)
    renderTable(s, snap, &b, headerRow: row + 1 + stripRows)
}

/// The full-width line that says the data is not live: what, since when, why.
func renderBanner(_ text: String, _ b: inout CellBuffer, row: Int) {
    b.fill(row: row, col: 0, height: 1, width: b.cols, role: .error)
    b.put(row: row, col: 0, " " + text, role: .error, width: b.cols)
}

func renderCounts(_ s: AppState, _ snap: LiveSnapshot, _ b: inout CellBuffer, row: Int, caveat: String? = nil) {
    var spans: [Span] = [Span(" ")]
    if let caveat { spans += [Span(caveat, .error), Span(": ", .dim)] }
    for st in AccountState.allCases {
        let n = snap.counts[st] ?? 0
        // `error` (figures that are not finite) only when there is one.
        if st == .error && n == 0 { continue }
        spans.append(Span("\(st.name) ", .dim))
        spans.append(Span(Fmt.count(n), n > 0 ? Role.of(st) : .dim))
        spans.append(Span("  "))
    }
    spans.append(Span("│ shortfall ", .dim))
    spans.append(Span(Fmt.compact(snap.shortfall), snap.shortfall > 0 ? .negative : .text))
    spans.append(Span(" vs fund ", .dim))
    spans.append(Span(Fmt.compact(snap.insuranceFund), .text))
    if snap.socializedLoss > 0 {
        spans.append(Span("  socialized ", .dim))
        spans.append(Span(Fmt.compact(snap.socializedLoss), .error))
    }
    spans.append(Span("  │ \(Fmt.count(s.tableRows.count))/\(Fmt.count(snap.accounts.count)) shown", .dim))
    if !s.marked.isEmpty { spans.append(Span("  \(s.marked.count) marked", .marked)) }
    b.put(row: row, col: 0, spans: spans)
}

func renderPriceStrip(_ snap: LiveSnapshot, _ b: inout CellBuffer, row: Int, rows: Int) {
    let per = max(1, b.cols / Layout.stripItemWidth)
    for (k, q) in snap.assets.prefix(per * rows).enumerated() {
        let r = row + k / per
        let c = (k % per) * Layout.stripItemWidth
        let name = TextCell.truncate(TextCell.sanitize(q.name), width: 5)
        var spans = [
            Span(" " + TextCell.padRight(name, 5), q.stale ? .stale : .tableHeader),
            Span(TextCell.padLeft(Fmt.price(q.price), 11), q.stale ? .stale : .text),
        ]
        if q.stable {
            spans.append(Span("  stable", .dim))
        } else {
            let ch = q.reference != 0 ? q.price / q.reference - 1 : 0
            let change = Money.signedPercent(ch)
            spans.append(
                Span(
                    " " + TextCell.padLeft(change, 7),
                    change.hasPrefix("+") ? .positive : (change.hasPrefix("-") ? .negative : .text)))
            // A stale price's sparkline is flat: `STALE` takes its place, whole at every width.
            if q.stale {
                spans += [Span(" "), Span("STALE", .error), Span(String(repeating: " ", count: 2))]
            } else {
                spans.append(Span(" " + Fmt.sparkline(q.history, width: 7), .sparkline))
            }
            // The live vol factor (spec 2, 5: it multiplies its instruments' margin rates): why IM swings.
            spans.append(Span(" ×" + String(format: "%.2f", q.volFactor), q.volFactor > 1.005 ? .warning : .dim))
        }
        b.put(row: r, col: c, spans: spans, maxCol: c + Layout.stripItemWidth - 1)
    }
}

func renderTable(_ s: AppState, _ snap: LiveSnapshot, _ b: inout CellBuffer, headerRow: Int) {
    let cols = OverviewLayout.fit(cols: b.cols, columns: s.columns)
    for (c, x) in cols {
        var title = c.title
        var role = Role.tableHeader
        if let k = c.sort, k == s.sort {
            title += SortKey.arrow(k, reversed: s.sortReversed)
            role = .sortedHeader
        }
        if c.id == .id && s.sort == .priority { title += s.sortReversed ? " (prio↑)" : " (prio)" }
        if c.id == .name && s.sort == .priority { title = c.title }
        b.putPadded(row: headerRow, col: x, title, width: c.width, role: role, alignRight: c.right)
    }
    let top = headerRow + 1
    let h = b.rows - 1 - top
    guard h > 0 else { return }
    if s.tableRows.isEmpty {
        b.put(row: top, col: 2, s.filter.isEmpty ? "No accounts." : "No account matches \"\(s.filter)\".", role: .dim)
        return
    }
    let t = snap.accounts
    // Accounts whose state worsened recently, newest change wins.
    var flashing: Set<Int> = []
    for ch in snap.recentChanges.reversed() {
        if snap.time - ch.time > s.flashSeconds { break }
        if ch.to > ch.from { flashing.insert(ch.account) }
    }
    // One format per money column, for all its rows (not only those on screen: scrolling keeps it).
    func format(_ id: TableColumn.ID, _ extent: MoneyExtent) -> MoneyColumnFormat {
        MoneyColumnFormat(extent, width: cols.first { $0.0.id == id }?.0.width ?? 0)
    }
    let e = s.moneyExtents
    let formats = (
        equity: format(.equity, e.equity), adjustedEquity: format(.adjustedEquity, e.adjustedEquity),
        im: format(.im, e.initialMargin), mm: format(.mm, e.maintenanceMargin)
    )
    // Only visible rows are formatted.
    for (i, a) in s.tableRows[min(s.top, s.tableRows.count)..<min(s.top + h, s.tableRows.count)].enumerated() {
        let r = top + i
        let state = t.state[a]
        let selected = s.top + i == s.cursor
        let rowRole: Role =
            selected ? .selected : (flashing.contains(a) ? .flash : (t.stale[a] ? .stale : Role.of(state)))
        if selected || flashing.contains(a) { b.fill(row: r, col: 0, height: 1, width: b.cols, role: rowRole) }
        let mr = t.marginRatio[a]
        for (c, x) in cols {
            var text = ""
            var role = rowRole
            switch c.id {
            case .mark:
                // The cursor row carries a marker, so that it shows in every theme (without colour too, on
                // rows that are reverse video already); there the second cell keeps the mark, else staleness.
                let marked = s.marked.contains(t.ids[a])
                // `R`: a review of the account is open or acknowledged (the queue has the rest).
                let review = s.queue.activeAccounts.contains(t.ids[a])
                let second = marked && selected ? "+" : (review ? "R" : (t.stale[a] ? "~" : " "))
                text = (selected ? ">" : (marked ? "+" : " ")) + second
                if marked && !selected { role = .marked }
            case .id: text = t.ids[a]
            case .name: text = t.names[a]
            case .model: text = t.models[a].rawValue
            case .equity: text = formats.equity.format(t.equity[a])
            case .adjustedEquity: text = formats.adjustedEquity.format(t.adjustedEquity[a])
            case .im: text = formats.im.format(t.initialMargin[a])
            case .mm: text = formats.mm.format(t.maintenanceMargin[a])
            case .ratio: text = Fmt.ratio(mr)
            case .bar:
                text = Fmt.bar(mr.isFinite ? mr : 0, width: c.width)
                if !selected && !flashing.contains(a) { role = mr.isFinite && mr > 0 ? Role.of(state) : .dim }
            case .distance:
                let cell = distanceCell(t, a, now: snap.time, maxAge: s.distanceMaxAge)
                text = cell.text
                if cell.dim && !selected && !flashing.contains(a) {
                    role = .dim
                } else if !selected, !flashing.contains(a), state < .liquidatable, abs(t.distance[a]) < s.nearThreshold
                {
                    // Near liquidation (`near`) but not there yet: the figure stands out.
                    role = .liquidatable
                }
            case .exposure:
                let ex = t.largestExposure[a]
                text = ex.asset.isEmpty ? "-" : "\(ex.asset) \(Fmt.compactUnits(ex.notional))"
            case .age:
                // Infinite: a price it rests on never ticked (the book's stored one).
                text = t.dataAge[a].isInfinite ? "never" : Fmt.age(t.dataAge[a])
                if t.stale[a] && !selected { role = .stale }
            case .state:
                // `*`: held by hysteresis (its figures alone read better); else the stale mark where
                // it fits (`liquidatable` fills the column; the mark column has it too).
                if t.held.indices.contains(a) && t.held[a] {
                    text = state.name.count < c.width ? state.name + "*" : state.name.prefix(c.width - 2) + ".*"
                } else {
                    text = state.name + (t.stale[a] && state.name.count < c.width ? "~" : "")
                }
                if !selected && !flashing.contains(a) { role = Role.of(state) }
            }
            b.putPadded(row: r, col: x, text, width: c.width, role: role, alignRight: c.right)
        }
    }
    // Scroll position on the right edge of the header.
    let pos = "\(min(s.cursor + 1, s.tableRows.count))/\(s.tableRows.count)"
    let lastEnd = cols.last.map { $0.1 + $0.0.width } ?? 0
    if lastEnd + TextCell.width(pos) + 2 <= b.cols {
        b.put(row: headerRow, col: b.cols - TextCell.width(pos) - 1, pos, role: .dim)
    }
}

/// The DIST cell of account `a`, as the snapshot has it: the signed move (`+5.0%`), `-` when no move in
/// range liquidates, `…` before the first analysis; a trailing `~` (dimmed) when computed more than
/// `maxAge` seconds before `now`.
func distanceCell(_ t: AccountTable, _ a: Int, now: Double, maxAge: Double) -> (text: String, dim: Bool) {
    let at = t.analysedAt[a]
    guard at > -.infinity else { return ("…", true) }
    let d = t.distance[a]
    // The search reaches +1000%: without decimals there, so that the marker still fits the column.
    var text = d.isNaN ? "-" : (abs(d) >= 9.9995 ? Money.signedPercent(d, decimals: 0) : Fmt.move(d))
    let old = !(now - at <= maxAge)
    if old { text += "~" }
    return (text, old)
}

/// How a money column prints every row: whole units with separators when its widest figure fits
/// the column, else ``Fmt/compactUnits(_:)`` for all of them (never `2.96M` above `2,223`).
struct MoneyColumnFormat {
    var compact: Bool

    init(_ extent: MoneyExtent, width: Int) {
        let widest = Money.format(extent.largest, decimals: 0).count + (extent.negative ? 1 : 0)
        compact = widest > width
    }

    func format(_ x: Double) -> String { compact ? Fmt.compactUnits(x) : Money.format(x, decimals: 0) }
}

/// Money without decimals when it fits, compact otherwise.
func money(_ x: Double, _ width: Int) -> String {
    let full = Money.format(x, decimals: 0)
    return full.count <= width ? full : Fmt.compact(x)
}
