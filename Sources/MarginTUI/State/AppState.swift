import MarginCore
import MarginLive

/// Which full screen is showing.
public enum Screen: Sendable, Equatable { case overview, drill, queue, system }

/// Columns the account table can be sorted by, over the whole book.
public enum SortKey: String, Sendable, Equatable, CaseIterable {
    case priority, id, name, model, equity, adjustedEquity, initialMargin, maintenanceMargin, ratio, distance,
        exposure, age, state

    /// The key that sorts by this column.
    public var key: Character {
        switch self {
        case .priority: "p"
        case .id: "i"
        case .name: "n"
        case .model: "o"
        case .equity: "e"
        case .adjustedEquity: "a"
        case .initialMargin: "I"
        case .maintenanceMargin: "M"
        case .ratio: "r"
        case .distance: "d"
        case .exposure: "x"
        case .age: "t"
        case .state: "s"
        }
    }
}

/// The drill-down of one account.
public struct DrillState: Sendable {
    public var accountId: String
    /// The what-if asset (index into the market's assets) and its move in 5% steps.
    public var shockAsset: Int?
    public var shockSteps = 0
    public var scroll = 0
    public var marginRatioHistory: [Double] = []
    /// Figures for the current snapshot (recomputed off the main actor when it changes).
    public var data: DrillData?
    /// A ``DrillRequest`` is out; `refreshWanted` asks for another when it is back (a newer snapshot or what-if).
    public var inFlight = false
    public var refreshWanted = false
    /// The account is no longer in the book.
    public var gone = false
    public init(accountId: String) { self.accountId = accountId }
}

/// The manual liquidation review dialog.
public struct ReviewDialog: Sendable {
    public enum Phase: Sendable, Equatable {
        case editing, saving
        case failed(String)
        case stored([Int64])
    }
    public var accountIds: [String]
    public var metrics: [ReviewMetrics]
    public var note = TextField()
    public var phase = Phase.editing
    /// First account of the list shown (it scrolls with Up/Down/PgUp/PgDn; letters go to the note).
    public var scroll = 0
    /// The last account of the list the operator has had on screen: Enter confirms once every one was shown.
    public var seenThrough = 0
    public init(accountIds: [String], metrics: [ReviewMetrics]) {
        self.accountIds = accountIds
        self.metrics = metrics
    }
}

/// A note prompt on the review queue (acknowledge or resolve).
public struct QueuePrompt: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        case acknowledge
        case resolve(ReviewOutcome)
    }
    public var reviewId: Int64
    /// The version the operator saw when choosing the action.
    public var version: Int
    public var kind: Kind
    public var note = TextField()
    public var saving = false
    public var error: String?
}

/// The review queue screen.
public struct QueueState: Sendable, Equatable {
    public var rows: [Review] = []
    public var cursor = 0
    public var loading = false
    public var error: String?
    public var prompt: QueuePrompt?
    public var loadedAt: Double?
    /// When reviews were last asked for outside the queue (the overview's marks refresh every 15 s).
    public var requestedAt: Double?
    /// The review open on screen with its whole history (Enter on the queue), and its scroll.
    public var detail: Int64?
    public var detailScroll = 0
    /// Accounts with a review still open or acknowledged: the overview marks their rows.
    public var activeAccounts: Set<String> = []
}

/// A transient line in the footer.
public struct Notice: Sendable, Equatable {
    public var text: String
    public var role: Role
    public var until: Double
}

/// Everything the dashboard shows; `render(state)` draws only from this.
public struct AppState: Sendable {
    public var rows = 24
    public var cols = 80
    public var now: Double = 0
    public var operatorName: String
    public var readOnly: Bool
    public var snapshot: LiveSnapshot?
    public var screen = Screen.overview
    public var sort = SortKey.priority
    public var sortReversed = false
    /// `z` (as htop's freeze): new snapshots update the figures but no longer re-sort or
    /// re-filter the rows under the cursor; a sort or filter the operator asks for still applies.
    public var paused = false
    public var filter = ""
    /// What is wrong with a term of `filter` (that term is left out), for the footer; derived by ``rebuildRows(_:)``.
    public var filterError: String?
    /// Non-nil while the filter is being typed.
    public var filterEdit: TextField?
    /// What the dashboard is doing before it has a live book (`reading the book from sqlite:…`):
    /// shown by the header and the overview until the first snapshot; only `q` works then.
    public var loading: String?
    /// Account indices shown, after filter and sort.
    public var tableRows: [Int] = []
    /// The widest figure of each money column over `tableRows` at this snapshot, derived with
    /// them (``rebuildRows(_:)``): a frame picks whole or compact numbers without a pass over
    /// every row (at a million rows, j/k to screen took 38-101 ms with that pass, 7-45 ms without).
    public var moneyExtents = MoneyExtents()
    public var cursor = 0
    public var top = 0
    /// Accounts marked with Space (ids).
    public var marked: Set<String> = []
    public var drill: DrillState?
    public var dialog: ReviewDialog?
    public var queue = QueueState()
    public var systemCurve: [SystemCurvePoint] = []
    public var systemCurveVersion: Int?
    public var systemCurveTime: Double?
    public var showHelp = false
    /// The overview's columns, in order (the mark column comes first regardless).
    public var columns = OverviewColumn.defaults
    /// Non-nil while the column chooser (`c`) is open.
    public var columnChooser: ColumnChooser?
    /// A DIST of smaller size than this (a fraction of the market move) stands out on accounts not yet
    /// liquidatable (`near` in config.toml, `--near`).
    public var nearThreshold = 0.05
    /// First help line shown (the help scrolls when it does not fit).
    public var helpScroll = 0
    public var notice: Notice?
    public var quit = false
    /// How long a worsened row stays highlighted, seconds.
    public var flashSeconds = 5.0
    /// A distance computed longer ago than this (seconds, snapshot time minus its analysis time) is
    /// marked old in the DIST column (`~`, dimmed).
    public var distanceMaxAge = 3.0

    public init(operatorName: String, readOnly: Bool) {
        self.operatorName = operatorName
        self.readOnly = readOnly
    }

    /// The account under the cursor.
    public var selectedAccount: Int? { tableRows.indices.contains(cursor) ? tableRows[cursor] : nil }

    /// Whether the screen is big enough to draw.
    public var isTooSmall: Bool { cols < Layout.minCols || rows < Layout.minRows }
}

/// What the app must do after an action: values, performed by the app loop.
public enum Effect: Sendable, Equatable {
    case openReviews(accountIds: [String], note: String, operator: String, metrics: [ReviewMetrics])
    case loadReviews
    case acknowledge(id: Int64, version: Int, note: String)
    case resolve(id: Int64, version: Int, outcome: ReviewOutcome, note: String)
    /// Keep (and send) the margin-ratio history of this account.
    case trackAccount(String)
    /// Compute the system curve for the current snapshot (throttled by the app to once a second).
    case computeSystemCurve
    /// Compute the drill-down figures off the main actor, then send ``Action/drillComputed(accountId:shockAsset:shockSteps:_:)``.
    case drill(DrillRequest)
    /// Compute review figures off the main actor, then send ``Action/reviewMetricsComputed(accountIds:purpose:_:)``.
    case reviewMetrics(MetricsRequest)
    /// Repaint every cell of the terminal (Ctrl-L: something wrote over the screen).
    case redrawScreen
    case quit
}

/// Everything that can happen to the dashboard.
public enum Action: Sendable {
    case key(Key)
    /// A click, double click or wheel turn (see `Reduce+Mouse.swift`).
    case mouse(MouseEvent)
    case resize(rows: Int, cols: Int)
    case snapshot(LiveSnapshot)
    case tick(now: Double)
    case marginRatioHistory(accountId: String, [Double])
    case reviewsStored(ids: [Int64])
    case reviewFailed(String)
    case reviewsLoaded([Review])
    case reviewsLoadFailed(String)
    case reviewUpdated(id: Int64)
    case reviewUpdateFailed(String)
    case systemCurve([SystemCurvePoint], version: Int, time: Double)
    case drillComputed(accountId: String, shockAsset: Int?, shockSteps: Int, DrillData?)
    case reviewMetricsComputed(accountIds: [String], purpose: MetricsRequest.Purpose, [ReviewMetrics])
    case quitRequested
}
