import MarginCore
import MarginLive

/// Applies `action` to `state`; returns the effects the app must perform.
///
/// Pure and cheap: distances to liquidation come with the snapshot (the live engine keeps them
/// current); the drill-down's and the review dialog's figures are asked for with effects the app
/// performs off the main actor.
public func reduce(_ state: inout AppState, _ action: Action) -> [Effect] {
    var effects: [Effect] = []
    switch action {
    case .key(let key):
        effects = handleKey(&state, key)
    case .mouse(let event):
        effects = handleMouse(&state, event)
    case .resize(let rows, let cols):
        state.rows = rows
        state.cols = cols
        clampCursor(&state)
        // A taller screen shows more of the review dialog's accounts (and counts them as seen).
        scrollDialog(&state, by: 0)
    case .snapshot(let snap):
        let previous = state.snapshot
        state.snapshot = snap
        state.now = max(state.now, snap.time)
        // Paused: the rows stay in place (their figures are the new snapshot's), unless the book's
        // accounts changed under them (the ids' buffer is shared while the book is the same).
        if state.paused, let previous, previous.accounts.ids == snap.accounts.ids {
            state.moneyExtents = MoneyExtents(snap.accounts, rows: state.tableRows)
            clampCursor(&state)
        } else {
            rebuildRows(&state)
        }
        if let d = state.drill { effects += refreshDrill(&state, d.accountId) }
        if let d = state.drill { effects.append(.trackAccount(d.accountId)) }
        if state.screen == .system { effects.append(.computeSystemCurve) }
        // The overview marks accounts under review: the reviews are read at the first snapshot, then every 15 s.
        if !state.queue.loading, state.queue.requestedAt.map({ state.now - $0 >= 15 }) ?? true {
            state.queue.requestedAt = state.now
            effects.append(.loadReviews)
        }
    case .tick(let now):
        state.now = now
        if let n = state.notice, n.until < now { state.notice = nil }
    case .marginRatioHistory(let id, let h):
        if state.drill?.accountId == id { state.drill?.marginRatioHistory = h }
    case .reviewsStored(let ids):
        if state.dialog != nil {
            state.dialog?.phase = .stored(ids)
            state.marked.removeAll()
        }
        state.notice = Notice(
            text: "stored review \(ids.map(Review.label).joined(separator: ", "))", role: .ok, until: state.now + 5)
        // The queue, the drill-down's reviews and the overview's R marks show the new reviews at once.
        effects.append(.loadReviews)
    case .reviewFailed(let message):
        if state.dialog != nil { state.dialog?.phase = .failed(message) }
    case .reviewsLoaded(let rows):
        state.queue.rows = rows
        state.queue.loading = false
        state.queue.error = nil
        state.queue.loadedAt = state.now
        state.queue.cursor = min(state.queue.cursor, max(0, rows.count - 1))
        state.queue.activeAccounts = Set(rows.filter { !$0.status.isTerminal }.map(\.account))
    case .reviewsLoadFailed(let message):
        state.queue.loading = false
        state.queue.error = message
    case .reviewUpdated(let id):
        state.queue.prompt = nil
        state.notice = Notice(text: "updated review \(Review.label(id))", role: .ok, until: state.now + 5)
        effects.append(.loadReviews)
    case .reviewUpdateFailed(let message):
        state.queue.prompt?.saving = false
        state.queue.prompt?.error = message
    case .systemCurve(let points, let version, let time):
        state.systemCurve = points
        state.systemCurveVersion = version
        state.systemCurveTime = time
    case .drillComputed(let id, let shockAsset, let shockSteps, let data):
        guard var d = state.drill, d.accountId == id else { break }
        d.inFlight = false
        // Figures for another what-if than the one now chosen wait for the next request's.
        if shockAsset == d.shockAsset && shockSteps == d.shockSteps {
            d.data = data
            d.gone = data == nil
        }
        state.drill = d
        if d.refreshWanted { effects += refreshDrill(&state, id) }
    case .reviewMetricsComputed(let ids, let purpose, let metrics):
        guard var d = state.dialog, d.accountIds == ids else { break }
        switch purpose {
        case .show:
            guard d.phase == .editing else { break }
            d.metrics = metrics
            state.dialog = d
        case .submit(let note):
            guard d.phase == .saving else { break }
            d.metrics = metrics
            state.dialog = d
            effects.append(.openReviews(accountIds: ids, note: note, operator: state.operatorName, metrics: metrics))
        }
    case .quitRequested:
        state.quit = true
        effects.append(.quit)
    }
    return effects
}

/// Value-style wrapper of ``reduce(_:_:)-(inout AppState, Action)``.
public func reduced(_ state: AppState, _ action: Action) -> (AppState, [Effect]) {
    var s = state
    let e = reduce(&s, action)
    return (s, e)
}

// MARK: - Keys

func handleKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    if key == .ctrl("c") {
        s.quit = true
        return [.quit]
    }
    if key == .resize { return [] }
    // Ctrl-L repaints the terminal on every screen, dialog and prompt, and changes nothing else.
    if key == .ctrl("l") { return [.redrawScreen] }
    if s.showHelp { return helpKey(&s, key) }
    if s.isTooSmall {
        if key == .char("q") {
            s.quit = true
            return [.quit]
        }
        return []
    }
    if s.dialog != nil { return dialogKey(&s, key) }
    if s.columnChooser != nil {
        columnChooserKey(&s, key)
        return []
    }
    if s.filterEdit != nil {
        filterKey(&s, key)
        return []
    }
    switch s.screen {
    case .overview: return overviewKey(&s, key)
    case .drill: return drillKey(&s, key)
    case .queue: return queueKey(&s, key)
    case .system: return systemKey(&s, key)
    }
}

func commonKey(_ s: inout AppState, _ key: Key) -> [Effect]? {
    switch key {
    case .char("q"):
        s.quit = true
        return [.quit]
    case .char("?"):
        s.showHelp = true
        return []
    case .char("R"):
        s.screen = .queue
        s.queue.loading = true
        return [.loadReviews]
    case .char("S"):
        s.screen = .system
        return [.computeSystemCurve]
    default: return nil
    }
}

func overviewKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    if let e = commonKey(&s, key) { return e }
    let page = Layout.tableHeight(s)
    switch key {
    case .down, .char("j"): moveCursor(&s, 1)
    case .up, .char("k"): moveCursor(&s, -1)
    case .pageDown, .ctrl("f"): moveCursor(&s, page)
    case .pageUp, .ctrl("b"): moveCursor(&s, -page)
    case .home, .char("g"): moveCursor(&s, -s.tableRows.count)
    case .end, .char("G"): moveCursor(&s, s.tableRows.count)
    case .enter, .right, .char("l"):
        guard let a = s.selectedAccount, let snap = s.snapshot else { return [] }
        let id = snap.accounts.ids[a]
        s.drill = DrillState(accountId: id)
        s.drill?.shockAsset = whatIfAssets(snap, account: a).first
        s.screen = .drill
        return [.trackAccount(id), .loadReviews] + refreshDrill(&s, id)
    case .char("/"):
        s.filterEdit = TextField(s.filter)
    case .char("c"):
        s.columnChooser = ColumnChooser(shown: s.columns)
    case .escape:
        if !s.filter.isEmpty {
            s.filter = ""
            rebuildRows(&s)
        } else {
            s.marked.removeAll()
        }
    case .char(" "):
        guard !readOnlyRefuses(&s, "marking accounts for review") else { return [] }
        guard let a = s.selectedAccount, let snap = s.snapshot else { return [] }
        let id = snap.accounts.ids[a]
        if s.marked.contains(id) { s.marked.remove(id) } else { s.marked.insert(id) }
        moveCursor(&s, 1)
    case .char("L"):
        return openDialog(&s)
    case .char("<"), .char(">"):
        // The sort column one to the left or right, in its own order (as htop's < and >).
        s.sort = steppedSort(s.sort, by: key == .char(">") ? 1 : -1, cols: s.cols, columns: s.columns)
        s.sortReversed = false
        rebuildRows(&s)
    case .char("z"):
        s.paused.toggle()
        // Resuming catches up with the order the snapshots have moved to meanwhile.
        if !s.paused { rebuildRows(&s) }
    case .char(let c):
        let sort: (SortKey, Bool)?
        if c == "D" {
            // Distance, farthest first (the reverse of `d`) whatever the sort was.
            sort = (.distance, true)
        } else if let k = SortKey.allCases.first(where: { $0.key == c }) {
            sort = (k, s.sort == k ? !s.sortReversed : false)
        } else {
            sort = nil
        }
        guard let sort else { break }
        (s.sort, s.sortReversed) = sort
        rebuildRows(&s)
    default: break
    }
    return []
}

func filterKey(_ s: inout AppState, _ key: Key) {
    guard var f = s.filterEdit else { return }
    switch key {
    case .enter:
        s.filter = f.text
        s.filterEdit = nil
    case .escape:
        s.filterEdit = nil
    default:
        _ = f.handle(key)
        s.filterEdit = f
        s.filter = f.text
    }
    s.cursor = 0
    s.top = 0
    rebuildRows(&s)
}

func drillKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    if let e = commonKey(&s, key) { return e }
    guard var d = s.drill else {
        s.screen = .overview
        return []
    }
    // The scroll stays within the document (its last screen at most), so a move back always shows.
    let maxScroll = drillMaxScroll(s)
    let page = max(1, Layout.drillHeight(s) - 1)
    d.scroll = min(d.scroll, maxScroll)
    switch key {
    case .escape, .left, .char("h"), .backspace:
        s.drill = nil
        s.screen = .overview
        return []
    case .down, .char("j"): d.scroll = min(maxScroll, d.scroll + 1)
    case .up, .char("k"): d.scroll = max(0, d.scroll - 1)
    case .pageDown, .ctrl("f"): d.scroll = min(maxScroll, d.scroll + page)
    case .pageUp, .ctrl("b"): d.scroll = max(0, d.scroll - page)
    case .home, .char("g"): d.scroll = 0
    case .end, .char("G"): d.scroll = maxScroll
    case .char("]"), .char("["):
        guard let snap = s.snapshot else { break }
        guard let a = snap.accountIndex(id: d.accountId) else { break }
        let candidates = whatIfAssets(snap, account: a)
        guard !candidates.isEmpty else { break }
        let cur = candidates.firstIndex(of: d.shockAsset ?? -1) ?? 0
        let next = key == .char("]") ? (cur + 1) % candidates.count : (cur + candidates.count - 1) % candidates.count
        d.shockAsset = candidates[next]
        d.shockSteps = 0
    case .char("+"), .char("="): d.shockSteps = min(d.shockSteps + 1, 19)
    case .char("-"), .char("_"): d.shockSteps = max(d.shockSteps - 1, -19)
    case .char("0"): d.shockSteps = 0
    case .char("L"):
        s.drill = d
        return openDialog(&s, ids: [d.accountId])
    default: return []
    }
    let reshock = d.shockSteps != s.drill?.shockSteps || d.shockAsset != s.drill?.shockAsset
    s.drill = d
    return reshock ? refreshDrill(&s, d.accountId) : []
}

func systemKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    if key == .char("S") { return [.computeSystemCurve] }
    if let e = commonKey(&s, key) { return e }
    if key == .escape || key == .left || key == .char("h") { s.screen = s.drill != nil ? .drill : .overview }
    return []
}

// MARK: - Review dialog

func openDialog(_ s: inout AppState, ids explicit: [String]? = nil) -> [Effect] {
    guard !readOnlyRefuses(&s, "liquidation reviews") else { return [] }
    guard let snap = s.snapshot else { return [] }
    var ids: [String]
    if let explicit {
        ids = explicit
    } else if !s.marked.isEmpty {
        // Marked accounts in table order, then any filtered out.
        let shown = s.tableRows.map { snap.accounts.ids[$0] }.filter { s.marked.contains($0) }
        ids = shown + s.marked.subtracting(shown).sorted()
    } else if let a = s.selectedAccount {
        ids = [snap.accounts.ids[a]]
    } else {
        return []
    }
    ids = ids.filter { snap.accountIndex(id: $0) != nil }
    guard !ids.isEmpty else { return [] }
    s.dialog = ReviewDialog(accountIds: ids, metrics: [])
    scrollDialog(&s, by: 0)
    return [.reviewMetrics(MetricsRequest(accountIds: ids, purpose: .show, snapshot: snap))]
}

func dialogKey(_ s: inout AppState, _ key: Key) -> [Effect] {
    guard var d = s.dialog else { return [] }
    switch d.phase {
    case .stored:
        s.dialog = nil
        return []
    case .saving:
        return []
    case .editing, .failed:
        switch key {
        case .escape:
            s.dialog = nil
            return []
        case .up, .down, .pageUp, .pageDown:
            let page = max(1, reviewDialogListHeight(s) - 1)
            let delta = key == .up ? -1 : key == .down ? 1 : key == .pageUp ? -page : page
            scrollDialog(&s, by: delta)
            return []
        case .enter where d.seenThrough < d.accountIds.count - 1:
            // Accounts the operator has not had on screen yet: Enter shows them first, never confirms them unseen.
            scrollDialog(&s, by: reviewDialogListHeight(s))
            return []
        case .enter:
            let note = d.note.text.trimmingCharacters(in: .whitespaces)
            guard !note.isEmpty else {
                d.phase = .failed("a note is required")
                s.dialog = d
                return []
            }
            // Metrics recomputed now, at the latest prices (off the main actor); the reviews open with them.
            d.phase = .saving
            s.dialog = d
            guard let snap = s.snapshot else {
                return [
                    .openReviews(accountIds: d.accountIds, note: note, operator: s.operatorName, metrics: d.metrics)
                ]
            }
            return [
                .reviewMetrics(MetricsRequest(accountIds: d.accountIds, purpose: .submit(note: note), snapshot: snap))
            ]
        default:
            _ = d.note.handle(key)
            s.dialog = d
            return []
        }
    }
}

/// Scrolls the review dialog's list of accounts by `delta` (within it) and records what has been shown.
func scrollDialog(_ s: inout AppState, by delta: Int) {
    guard var d = s.dialog else { return }
    let h = reviewDialogListHeight(s)
    d.scroll = max(0, min(d.scroll + delta, d.accountIds.count - h))
    d.seenThrough = max(d.seenThrough, min(d.accountIds.count, d.scroll + h) - 1)
    s.dialog = d
}

// MARK: - Rows, cursor

/// Assets a what-if can move for account `a`: those it is exposed to, else every non-stable asset.
func whatIfAssets(_ snap: LiveSnapshot, account a: Int) -> [Int] {
    let exposed = snap.marginBook.exposedAssets(ofUnit: a)
    if !exposed.isEmpty { return exposed }
    let m = snap.marginBook.market
    return (0..<m.assetCount).filter { !m.stable[$0] }
}

func moveCursor(_ s: inout AppState, _ delta: Int) {
    s.cursor += delta
    clampCursor(&s)
}

func clampCursor(_ s: inout AppState) {
    let n = s.tableRows.count
    s.cursor = max(0, min(s.cursor, n - 1))
    let h = Layout.tableHeight(s)
    if s.cursor < s.top { s.top = s.cursor }
    if s.cursor >= s.top + h { s.top = s.cursor - h + 1 }
    s.top = max(0, min(s.top, max(0, n - h)))
}

/// Re-filters and re-sorts the table (a new snapshot, sort or filter). The cursor keeps its account,
/// except on the first row: there the operator watches the head of the list (the nearest to
/// liquidation after `d`), so it stays on the first row, whichever account that now is.
public func rebuildRows(_ s: inout AppState) {
    guard let snap = s.snapshot else {
        s.tableRows = []
        s.moneyExtents = MoneyExtents()
        return
    }
    let selectedId = s.selectedAccount.flatMap { snap.accounts.ids.indices.contains($0) ? snap.accounts.ids[$0] : nil }
    let t = snap.accounts
    var rows = snap.priority
    let filter = RowFilter.parse(s.filter)
    s.filterError = filter.error
    if !filter.isEmpty { rows = rows.filter { filter.matches($0, in: t) } }
    // Numbers by radix (a million rows on every snapshot), text by comparison; ties in priority order.
    func by(_ f: (Int) -> Double, descending: Bool) {
        let order = KeyOrder.ascending(
            rows.map { descending ? ~KeyOrder.orderedBits(f($0)) : KeyOrder.orderedBits(f($0)) })
        rows = order.map { rows[$0] }
    }
    func by<T: Comparable>(_ f: (Int) -> T, descending: Bool) {
        let keyed = rows.enumerated().map { (f($0.element), $0.offset, $0.element) }
        rows = keyed.sorted { l, r in
            if l.0 != r.0 { return descending ? l.0 > r.0 : l.0 < r.0 }
            return l.1 < r.1
        }.map(\.2)
    }
    switch s.sort {
    case .priority: break
    case .id: by({ t.ids[$0] }, descending: false)
    case .name: by({ t.names[$0].lowercased() }, descending: false)
    case .model: by({ t.models[$0].rawValue }, descending: false)
    case .equity: by({ t.equity[$0] }, descending: true)
    case .adjustedEquity: by({ t.adjustedEquity[$0] }, descending: true)
    case .initialMargin: by({ t.initialMargin[$0] }, descending: true)
    case .maintenanceMargin: by({ t.maintenanceMargin[$0] }, descending: true)
    case .ratio: by({ t.marginRatio[$0].isNaN ? -1 : t.marginRatio[$0] }, descending: true)
    case .distance: rows = DistanceOrder.sorted(rows, distance: t.distance)
    case .exposure: by({ t.largestExposure[$0].notional }, descending: true)
    case .age: by({ t.dataAge[$0] }, descending: true)
    case .state: by({ t.state[$0].rawValue }, descending: true)
    }
    if s.sortReversed { rows.reverse() }
    s.tableRows = rows
    s.moneyExtents = MoneyExtents(t, rows: rows)
    if s.cursor > 0, let selectedId, let a = snap.accountIndex(id: selectedId), let pos = rows.firstIndex(of: a) {
        s.cursor = pos
    }
    clampCursor(&s)
}

/// Asks for the drill-down figures at the current snapshot and what-if; one request at a time,
/// the latest wanted one sent when the last is back.
func refreshDrill(_ s: inout AppState, _ id: String) -> [Effect] {
    guard let snap = s.snapshot, var d = s.drill, d.accountId == id else { return [] }
    if d.inFlight {
        d.refreshWanted = true
        s.drill = d
        return []
    }
    d.inFlight = true
    d.refreshWanted = false
    s.drill = d
    return [.drill(DrillRequest(accountId: id, shockAsset: d.shockAsset, shockSteps: d.shockSteps, snapshot: snap))]
}
