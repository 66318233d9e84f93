import MarginCore
import MarginStore
import MarginTUI
import TerminalCore

/// What `margintop --cluster` shows and where the operator is in it: the merged view as last
/// read, the selected account of its top list, the drill-down of one account and the review
/// dialog. Changed only by its methods (keys and the results of reads and writes), which return
/// the effects for ``ClusterScreen`` to run, so it is tested without a terminal or a store.
public struct ClusterScreenState: Sendable {
    public enum Screen: Sendable, Equatable { case list, drill }

    /// What the screen asks of the store.
    public enum Effect: Sendable, Equatable {
        /// Read the merged view again now (and the drilled or reviewed account's row).
        case refresh
        /// Read the account's stored positions and collateral (one account, by id).
        case loadAccount(String)
        /// Open a manual liquidation review of the account, with the figures confirmed.
        case openReview(account: String, note: String, confirmed: ReviewMetrics)
        case quit
    }

    /// The drill-down of one account.
    public struct Drill: Sendable {
        public var id: String
        /// Its row in the merged view as last read (`nil` before the first, or when no shard of
        /// the view's `N` publishes it now: then ``lastSeen`` stays).
        public var entry: ClusterView.Account?
        public var lastSeen: ClusterView.Account?
        public var stored: Stored = .loading
        public var scroll = 0
    }

    /// The account as the store holds it.
    public enum Stored: Sendable {
        case loading
        /// `nil`: the store has no account of this id. `at`: when it was read (seconds).
        case loaded(Account?, at: Double)
        case failed(String)
    }

    /// The review dialog of one account: the shard's published figures, a note, the operator.
    public struct Dialog: Sendable {
        /// The figures shown, the latest read; Enter confirms these.
        public var account: ClusterView.Account
        public var note = TextField()
        public var phase = ReviewDialog.Phase.editing
    }

    /// A line on the footer for a few seconds.
    public struct Notice: Sendable {
        public var text: String
        public var role: Role
        public var until: Double
    }

    /// The merged view as last read, and the error of the read after it, if that one failed (the
    /// screen keeps the last view on screen, says it cannot read, and marks figures stale).
    public var view: ClusterView?
    public var readError: StoreError?
    public var screen = Screen.list
    /// Row of the selected account in the top list (as drawn).
    public var cursor = 0
    /// The selected account, followed by id across reads while it stays on screen.
    public var selectedId: String?
    public var drill: Drill?
    public var dialog: Dialog?
    public var notice: Notice?
    /// The last good read found no row of ``focusId`` (no shard of its `N` publishes it now).
    public var focusUnpublished = false
    public var operatorName: String
    public var readOnly: Bool
    public var size: TerminalSize
    /// Seconds since the epoch, as of the last event.
    public var now = 0.0

    public init(operatorName: String, readOnly: Bool, size: TerminalSize) {
        self.operatorName = operatorName
        self.readOnly = readOnly
        self.size = size
    }

    // MARK: - Layout

    /// The account rows the top list reads for a screen of `rows`: every line but the title, the
    /// summary, the panels' headers, blank lines and the footer (the shards take theirs of them).
    public static func topToRead(rows: Int) -> Int { max(1, rows - 8) }

    /// The top accounts on screen: as many as fit under the shards panel.
    public var visibleAccounts: Int {
        guard let v = view else { return 0 }
        return max(0, min(v.top.count, size.rows - 8 - v.shards.count))
    }

    /// The account the cursor is on, if any is drawn.
    public var selected: ClusterView.Account? {
        guard let v = view, cursor < visibleAccounts else { return nil }
        return v.top[cursor]
    }

    /// The account the screen is about (the drilled one, else the selected one).
    public var focusId: String? { dialog?.account.result.accountId ?? drill?.id }

    // MARK: - Reads and writes

    /// A new read of the merged view; `focus` is the row of ``focusId`` read with it.
    public mutating func apply(_ result: Result<ClusterView, StoreError>, focus: ClusterView.Account?, at now: Double) {
        self.now = now
        let v: ClusterView
        switch result {
        case .success(let read):
            (view, readError, v) = (read, nil, read)
            focusUnpublished = focusId != nil && focus == nil
        case .failure(let e):
            readError = e
            return
        }
        let shown = Array(v.top.prefix(visibleAccounts))
        if let id = selectedId, let i = shown.firstIndex(where: { $0.result.accountId == id }) {
            cursor = i
        } else {
            cursor = max(0, min(cursor, shown.count - 1))
            selectedId = shown.isEmpty ? nil : shown[cursor].result.accountId
        }
        if var d = drill {
            d.entry = focus
            if let focus { d.lastSeen = focus }
            drill = d
        }
        // The dialog shows (and Enter confirms) the latest figures the shard published, unless saving.
        if let focus, var d = dialog, d.phase != .saving, focus.result.accountId == d.account.result.accountId {
            d.account = focus
            dialog = d
        }
    }

    public mutating func apply(stored: Result<Account?, StoreError>, id: String, at now: Double) {
        guard var d = drill, d.id == id else { return }
        switch stored {
        case .success(let a): d.stored = .loaded(a, at: now)
        case .failure(let e): d.stored = .failed("\(e)")
        }
        drill = d
    }

    /// The review write's outcome: stored (durable: the store committed) or the error.
    public mutating func apply(review: Result<[Int64], StoreError>, at now: Double) {
        self.now = now
        switch review {
        case .success(let ids):
            dialog?.phase = .stored(ids)
            notice = Notice(
                text: "stored review \(ids.map(Review.label).joined(separator: ", "))", role: .ok, until: now + 5)
        case .failure(let e):
            dialog?.phase = .failed(TextCell.sanitize("\(e)"))
        }
    }

    // MARK: - Keys

    public mutating func handle(_ key: Key, at now: Double) -> [Effect] {
        self.now = now
        if dialog != nil { return dialogKey(key) }
        if key == .char("q") || key == .char("Q") { return [.quit] }
        switch screen {
        case .list: return listKey(key)
        case .drill: return drillKey(key)
        }
    }

    mutating func listKey(_ key: Key) -> [Effect] {
        let page = max(1, visibleAccounts - 1)
        switch key {
        case .up, .char("k"): move(-1)
        case .down, .char("j"): move(1)
        case .pageUp: move(-page)
        case .pageDown: move(page)
        case .home, .char("g"): move(-cursor)
        case .end, .char("G"): move(visibleAccounts)
        case .enter, .right, .char("l"):
            guard let a = selected else { return [] }
            let id = a.result.accountId
            drill = Drill(id: id, entry: a, lastSeen: a)
            screen = .drill
            return [.loadAccount(id), .refresh]
        case .char("L"):
            guard let a = selected else { return [] }
            return openDialog(a)
        default: break
        }
        return []
    }

    mutating func drillKey(_ key: Key) -> [Effect] {
        guard var d = drill else { return [] }
        let page = max(1, size.rows - 4)
        switch key {
        case .escape, .left, .char("h"):
            drill = nil
            screen = .list
            return []
        case .up, .char("k"): d.scroll = max(0, d.scroll - 1)
        case .down, .char("j"): d.scroll += 1
        case .pageUp: d.scroll = max(0, d.scroll - page)
        case .pageDown: d.scroll += page
        case .char("L"):
            guard let a = d.entry ?? d.lastSeen else {
                notice = Notice(text: "no published figures for \(d.id) yet", role: .error, until: now + 4)
                return []
            }
            return openDialog(a)
        default: break
        }
        // Never past the last line (the lines as drawn now).
        d.scroll = min(d.scroll, max(0, ClusterScreen.drillLines(self).count - max(1, size.rows - 2)))
        drill = d
        return []
    }

    mutating func move(_ delta: Int) {
        let n = visibleAccounts
        guard n > 0, let v = view else { return }
        cursor = max(0, min(cursor + delta, n - 1))
        selectedId = v.top[cursor].result.accountId
    }

    /// The dashboard's `L`: refused under `--read-only` with its notice, else the dialog.
    mutating func openDialog(_ a: ClusterView.Account) -> [Effect] {
        guard !readOnly else {
            notice = Notice(
                text: "read-only: no liquidation reviews (started with --read-only)", role: .error, until: now + 4)
            return []
        }
        dialog = Dialog(account: a)
        return [.refresh]
    }

    /// The dashboard's dialog keys: letters to the note, Enter confirms (a note is required),
    /// Esc cancels; nothing while saving; any key closes it once stored.
    mutating func dialogKey(_ key: Key) -> [Effect] {
        guard var d = dialog else { return [] }
        switch d.phase {
        case .stored:
            dialog = nil
            return []
        case .saving:
            return []
        case .editing, .failed:
            switch key {
            case .escape:
                dialog = nil
            case .enter:
                let note = d.note.text.trimmingCharacters(in: .whitespaces)
                guard !note.isEmpty else {
                    d.phase = .failed("a note is required")
                    dialog = d
                    return []
                }
                d.phase = .saving
                dialog = d
                return [
                    .openReview(account: d.account.result.accountId, note: note, confirmed: d.account.publishedMetrics)
                ]
            default:
                _ = d.note.handle(key)
                dialog = d
            }
            return []
        }
    }

    // MARK: - Staleness

    /// Seconds from `a`'s result time to the last read of the view (by the server's clock, as the
    /// shards' ages are), or to now when the last read failed.
    public func age(of a: ClusterView.Account) -> Double {
        max(0, (view?.time ?? now) - Double(a.resultMs) / 1000)
    }

    /// Why the figures of `a` may be out of date now, worst first (empty: its shard is live or
    /// finished, and it flags no stale prices).
    public func warnings(for a: ClusterView.Account) -> [String] {
        var out: [String] = []
        if let e = readError {
            out.append("STALE: cannot read the merged view now (\(TextCell.sanitize("\(e)"))): figures as last read")
        }
        if let why = view?.staleness(ofShard: a.shard) { out.append("STALE: \(why); these figures may be out of date") }
        if focusUnpublished, a.result.accountId == focusId {
            out.append(
                "STALE: no shard of \(view?.shardCount ?? 0) publishes this account now: figures as last seen")
        }
        if a.result.stale { out.append("STALE PRICES: the shard marks this account's figures stale") }
        return out
    }
}
