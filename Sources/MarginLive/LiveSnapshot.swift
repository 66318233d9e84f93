import MarginCore

/// An immutable picture of the live book for the screen and for watchers:
/// every account's figures, the priority order, the state counts, prices with
/// their age and history, the health of the loop, and recent state changes.
/// Cheap to hand across threads; the dashboard renders only from this.
public struct LiveSnapshot: Sendable {
    /// When it was taken (seconds since the epoch) and the live book's version.
    public var time: Double
    public var version: Int
    /// The book and prices behind it, for drill-downs (`Analyzer(book:base:)`).
    public var book: Book
    public var marginBook: MarginBook
    public var prices: PriceState
    public var accounts: AccountTable
    /// Account indices in liquidation-priority order.
    public var priority: [Int]
    public var counts: [AccountState: Int]
    public var shortfall: Double
    public var insuranceFund: Double
    public var socializedLoss: Double { max(0, shortfall - insuranceFund) }
    public var assets: [AssetQuote]
    public var health: LoopHealth
    /// The most recent state changes, newest last.
    public var recentChanges: [StateChange]
    /// Receive time of the oldest price update that this snapshot is the first to show
    /// (`nil`: none new), for tick-to-screen latency.
    public var oldestNewUpdate: Double?

    /// Account `a`'s liquidation prices (asset name, price) in asset order, as of
    /// `accounts.liquidationPrices.analysedAt[a]`: the drill-down's list, without a search.
    public func liquidationPrices(account a: Int) -> [(asset: String, price: Double)] {
        let names = marginBook.market.assetNames
        return accounts.liquidationPrices.prices(ofAccount: a).map { (names[$0.asset], $0.price) }
    }

    public init(
        time: Double, version: Int, book: Book, marginBook: MarginBook, prices: PriceState, accounts: AccountTable,
        priority: [Int], counts: [AccountState: Int], shortfall: Double, insuranceFund: Double,
        assets: [AssetQuote], health: LoopHealth, recentChanges: [StateChange]
    ) {
        self.time = time
        self.version = version
        self.book = book
        self.marginBook = marginBook
        self.prices = prices
        self.accounts = accounts
        self.priority = priority
        self.counts = counts
        self.shortfall = shortfall
        self.insuranceFund = insuranceFund
        self.assets = assets
        self.health = health
        self.recentChanges = recentChanges
    }
}

/// Per-account columns of a snapshot (index = account index of the book).
public struct AccountTable: Sendable {
    public var ids: [String]
    public var names: [String]
    public var models: [MarginModel]
    public var equity: [Double]
    public var adjustedEquity: [Double]
    public var initialMargin: [Double]
    public var maintenanceMargin: [Double]
    /// `+inf` where the ratio is infinite (shown as null / "inf").
    public var marginRatio: [Double]
    /// Displayed state (after hysteresis).
    public var state: [AccountState]
    /// Whether hysteresis holds the displayed state: the account's figures alone now give a
    /// better one (empty: none held).
    public var held: [Bool] = []
    /// Whether the account's health rests on a stale price.
    public var stale: [Bool]
    /// The asset of the largest absolute exposure (notional of positions plus collateral value) and its size.
    public var largestExposure: [(asset: String, notional: Double)]
    /// Age in seconds of the oldest price the account rests on.
    public var dataAge: [Double]
    /// Distance to liquidation (spec 4: the signed move that first liquidates; 0 when already
    /// liquidatable), `.nan` when no move in range does or the account was never analysed.
    public var distance: [Double]
    /// Time (seconds since the epoch) of the prices the account's distance was computed at;
    /// `-.infinity` when it has not been analysed yet. Its age is `time - analysedAt`.
    public var analysedAt: [Double]
    /// Liquidation prices per account and exposed asset, with the time of the prices they were
    /// searched at (renewed by the analysis's rotation, so possibly older than `analysedAt`):
    /// ``LiquidationPriceTable/prices(ofAccount:)``; by name: ``LiveSnapshot/liquidationPrices(account:)``.
    public var liquidationPrices = LiquidationPriceTable()

    public var count: Int { ids.count }

    public init(
        ids: [String], names: [String], models: [MarginModel], equity: [Double], adjustedEquity: [Double],
        initialMargin: [Double], maintenanceMargin: [Double], marginRatio: [Double], state: [AccountState],
        stale: [Bool], largestExposure: [(asset: String, notional: Double)], dataAge: [Double]
    ) {
        self.ids = ids
        self.names = names
        self.models = models
        self.equity = equity
        self.adjustedEquity = adjustedEquity
        self.initialMargin = initialMargin
        self.maintenanceMargin = maintenanceMargin
        self.marginRatio = marginRatio
        self.state = state
        self.stale = stale
        self.largestExposure = largestExposure
        self.dataAge = dataAge
        distance = Array(repeating: .nan, count: ids.count)
        analysedAt = Array(repeating: -.infinity, count: ids.count)
    }
}

/// One asset on the price strip.
public struct AssetQuote: Sendable, Equatable {
    public var name: String
    public var price: Double
    /// Price when the live book started (or the oldest in history), for the change column.
    public var reference: Double
    /// Seconds since the last index tick.
    public var age: Double
    public var stale: Bool
    public var stable: Bool
    public var volFactor: Double
    /// 1-second samples, oldest first (at most `HistoryRing.capacity`).
    public var history: [Double]
}

/// How the loop itself is doing.
public struct LoopHealth: Sendable, Equatable {
    /// `connecting`, `live`, `reconnecting (attempt 2 in 1.6s)`, `down: reason`, ...
    public var feedStatus: String
    public var feedIsLive: Bool
    public var storeStatus: String
    public var ticksPerSecond: Double
    /// Tick-to-snapshot recompute latency percentiles over the last window, milliseconds.
    public var recomputeP50Ms: Double
    public var recomputeP99Ms: Double
    /// Age of the oldest non-stable index price, seconds.
    public var oldestPriceAge: Double
    /// Updates the live book itself refused (unknown symbol, invalid value).
    public var rejectedUpdates: Int
    /// What the feed refused before that, by reason (`bad_price`, `malformed_json`, ...), as of
    /// the loop's last look at the feed's counters.
    public var feedRejected: [String: Int]
    /// The feed's short name (`sim`, `binance`, `replay`, ...), empty when unknown.
    public var feedName = ""
    /// Receive time of the newest price update the live book took; `nil` before the first: the
    /// figures then rest on the book's stored prices.
    public var lastTickTime: Double?
    /// Since when the feed has not been live (from the loop's start until its first live status);
    /// `nil` while it is live.
    public var feedNotLiveSince: Double?
    /// Why the feed last went down (`connection refused`, ...), kept through its reconnects until
    /// it is live again.
    public var feedDownReason: String?
    /// The feed has ended for good (a replay or file played out, or stopped).
    public var feedFinished = false
    /// Recomputes behind the latency percentiles (0: none yet, the percentiles mean nothing).
    public var recomputeSamples = 0

    /// Every refusal: the feed's and the live book's.
    public var rejectedTotal: Int { rejectedUpdates + feedRejected.values.reduce(0, +) }

    public init(
        feedStatus: String = "connecting", feedIsLive: Bool = false, storeStatus: String = "connected",
        ticksPerSecond: Double = 0, recomputeP50Ms: Double = 0, recomputeP99Ms: Double = 0,
        oldestPriceAge: Double = 0, rejectedUpdates: Int = 0, feedRejected: [String: Int] = [:]
    ) {
        self.feedRejected = feedRejected
        self.feedStatus = feedStatus
        self.feedIsLive = feedIsLive
        self.storeStatus = storeStatus
        self.ticksPerSecond = ticksPerSecond
        self.recomputeP50Ms = recomputeP50Ms
        self.recomputeP99Ms = recomputeP99Ms
        self.oldestPriceAge = oldestPriceAge
        self.rejectedUpdates = rejectedUpdates
    }
}

/// A fixed ring of 1-second samples (15 minutes), oldest overwritten first.
public struct HistoryRing: Sendable, Equatable {
    public static let capacity = 900
    private var values: [Float]
    private var next = 0
    private var filled = 0
    /// The second (floor of time) of the newest sample.
    public private(set) var lastSecond: Int64 = .min

    public init() { values = Array(repeating: 0, count: HistoryRing.capacity) }

    /// Records `value` for the second of `time`; later samples in the same second replace it;
    /// skipped seconds repeat the previous value, so the ring stays one sample a second.
    public mutating func record(_ value: Double, at time: Double) {
        let second = Int64(time.rounded(.down))
        if second == lastSecond, filled > 0 {
            values[(next + HistoryRing.capacity - 1) % HistoryRing.capacity] = Float(value)
            return
        }
        if filled > 0, lastSecond != .min, second > lastSecond + 1 {
            let gap = min(Int(second - lastSecond - 1), HistoryRing.capacity)
            let previous = values[(next + HistoryRing.capacity - 1) % HistoryRing.capacity]
            for _ in 0..<gap { append(previous) }
        }
        if second < lastSecond && filled > 0 { return }
        append(Float(value))
        lastSecond = second
    }

    private mutating func append(_ v: Float) {
        values[next] = v
        next = (next + 1) % HistoryRing.capacity
        filled = min(filled + 1, HistoryRing.capacity)
    }

    public var count: Int { filled }

    /// Samples oldest first.
    public var samples: [Double] {
        (0..<filled).map { k in Double(values[(next + HistoryRing.capacity - filled + k) % HistoryRing.capacity]) }
    }
}
