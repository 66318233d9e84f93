import MarginCore

/// Liquidations and losses of the whole book under a uniform market move.
public struct SystemCurvePoint: Sendable, Equatable {
    public var move: Double
    /// Accounts liquidatable (not bankrupt) and bankrupt at that move.
    public var liquidatable: Int
    public var bankrupt: Int
    public var shortfall: Double
    public var socializedLoss: Double
}

public enum SystemCurve {
    /// The moves of the curve: -50% to +50% in 5% steps.
    public static let defaultMoves: [Double] = (-10...10).map { Double($0) * 0.05 }

    /// Every account re-valued with every non-stable price (and the marks on it)
    /// multiplied by `1 + m`, options repriced (spec 4's market move), per move.
    /// Costs one full recompute per move: call it about once a second, off the tick path.
    public static func compute(
        book: MarginBook, prices: PriceState, insuranceFund: Double,
        moves: [Double] = defaultMoves
    ) -> [SystemCurvePoint] {
        let quotes = Quotes(market: book.market, portfolio: book.usesPortfolio, es: book.usesES)
        let results = BookResults(unitCount: book.unitCount)
        return moves.map { m in
            quotes.update(prices.shockedAll(m, book.market))
            book.computeAll(quotes, into: results)
            let (counts, shortfall) = results.summary(accountCount: book.accountCount)
            return SystemCurvePoint(
                move: m, liquidatable: counts[.liquidatable] ?? 0, bankrupt: counts[.bankrupt] ?? 0,
                shortfall: shortfall, socializedLoss: max(0, shortfall - insuranceFund))
        }
    }
}

/// Rolling figures of the loop: updates per second and tick-to-snapshot latency percentiles.
public struct LoopStats: Sendable {
    private var latencies: [Double]
    private var publishedAt: [Double]
    private var next = 0
    private var filled = 0
    private var tickTimes: [Double] = []
    /// The percentiles are over at most this many batches…
    public static let window = 1024
    /// …published within this many seconds of the newest one: a slow start (a big book's first
    /// steps, over a second at a million accounts) leaves the header's p99 after a minute, not
    /// after 1,024 steps (about six minutes at that book's 2.8 steps a second).
    public static let windowSeconds = 60.0

    public init() {
        latencies = Array(repeating: 0, count: LoopStats.window)
        publishedAt = Array(repeating: 0, count: LoopStats.window)
    }

    /// Records a published batch: how many updates it held, when the oldest arrived, when it was published.
    public mutating func record(updates: Int, oldestReceived: Double, published: Double) {
        latencies[next] = max(0, published - oldestReceived) * 1000
        publishedAt[next] = published
        next = (next + 1) % LoopStats.window
        filled = min(filled + 1, LoopStats.window)
    }

    /// Counts updates received at `time` for the ticks/s figure.
    public mutating func received(_ count: Int, at time: Double) {
        for _ in 0..<count { tickTimes.append(time) }
        let cutoff = time - 1
        if let firstKept = tickTimes.firstIndex(where: { $0 > cutoff }), firstKept > 0 {
            tickTimes.removeFirst(firstKept)
        }
    }

    /// Updates received within the last second before `now`.
    public func ticksPerSecond(now: Double) -> Double {
        Double(tickTimes.reduce(0) { $0 + ($1 > now - 1 && $1 <= now ? 1 : 0) })
    }

    /// Batches the latency percentiles are taken over (at most `window`, within `windowSeconds`).
    public var latencySamples: Int { recent.count }

    /// Latency percentile in milliseconds over the recent batches (nearest rank).
    public func latencyPercentile(_ p: Double) -> Double {
        LoopStats.nearestRank(recent.map { latencies[$0] }, p)
    }

    /// Slots of the batches within `windowSeconds` of the newest.
    private var recent: [Int] {
        guard filled > 0 else { return [] }
        let newest = publishedAt[(next + LoopStats.window - 1) % LoopStats.window]
        return (0..<filled).filter { publishedAt[$0] >= newest - LoopStats.windowSeconds }
    }

    /// The nearest-rank `p` percentile of `values` (0 when empty).
    public static func nearestRank<C: Collection<Double>>(_ values: C, _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return 0 }
        return sorted[max(0, min(sorted.count - 1, Int((p * Double(sorted.count)).rounded(.up)) - 1))]
    }
}
