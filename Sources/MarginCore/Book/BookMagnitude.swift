/// Proves, when a book is read, that no figure the engine computes from it can overflow a
/// double: at the book's prices, under every move the distance search tries (up to 11×),
/// every portfolio scenario (up to `1 + extremeMultiple · scanRange · volFactorMax`) and
/// every history return. Each input number is finite, but two positions of 1.7e308 are
/// not a book: their equity is `inf`, their ratio `nan`, and `nan` compares as `safe`.
///
/// Each collateral line and position gets an upper bound of the size of every figure it
/// adds to (value, weighted value, margin at the highest bracket rate and vol factor,
/// scenario P&L, option price bounded by `F + K`); the book is rejected at the first line
/// whose bound, or whose addition to the book's running total, passes ``limit``.
struct BookMagnitude {
    /// A bound well inside the range of a double, so sums in any order stay finite.
    static let limit = Double.greatestFiniteMagnitude / 1024

    private var price: [String: Double] = [:]
    private var move: [String: Double] = [:]
    private var borrow: [String: Double] = [:]
    private var instruments: [String: (underlying: String, scale: Double, strike: Double, rate: Double)] = [:]
    /// Margin multipliers on top of one unit of value: the highest short-option rate,
    /// the portfolio and es multipliers.
    private let marginFactor: Double
    private let volFactorMax: Double
    private(set) var total = 0.0

    init(_ book: Book) {
        let d = book.defaults
        volFactorMax = max(1, d.volFactorMax)
        let so = max(d.shortOption.imBase, d.shortOption.imFloor, d.shortOption.mm, d.portfolio.somc)
        marginFactor =
            (2 + so) * max(1, d.portfolio.imMultiplier)
            * max(1, d.es.imMultiplier * max(1, d.es.horizonDays).squareRoot())
        var largestReturn: [String: Double] = [:]
        for r in book.history?.returns ?? [] {
            largestReturn[r.asset] = r.values.reduce(0) { max($0, abs($1)) }
        }
        for a in book.assets {
            price[a.name] = a.effectivePrice
            let scan = 1 + d.portfolio.extremeMultiple * (a.scanRange ?? 0) * volFactorMax
            move[a.name] = max(11, 1 + (largestReturn[a.name] ?? 0)) * scan
            borrow[a.name] = a.borrowAddOn
        }
        for i in book.instruments {
            let p = price[i.underlying] ?? 1
            let rate = i.brackets.reduce(0.0) { max($0, $1.imf, $1.mmf) } * volFactorMax
            instruments[i.name] = (i.underlying, i.contractSize * max(p, i.mark ?? p), i.strike ?? 0, rate)
        }
    }

    /// One contract's value (`contractSize × price`, at moves up to 11× and the scan range) and
    /// the cumulative bracket terms (`b_{k-1} · (rate_k - rate_{k-1})`) stay in range.
    static func checkInstrument(_ inst: Instrument, underlying: Asset?, path: String, defaults d: BookDefaults)
        throws(BookError)
    {
        let volFactorMax = max(1, d.volFactorMax)
        let p = underlying?.effectivePrice ?? 1
        let scan = 1 + d.portfolio.extremeMultiple * (underlying?.scanRange ?? 0) * volFactorMax
        guard inst.contractSize * max(p, inst.mark ?? p) * 11 * scan <= limit else {
            throw BookError(
                path: path + ".contractSize",
                message: "contractSize × price overflows: one contract's value is beyond the range of a double")
        }
        var cumI = 0.0
        var cumM = 0.0
        for (k, b) in inst.brackets.enumerated() {
            let x = max(b.imf, b.mmf) * max(1, volFactorMax)
            guard (b.upTo ?? 0) * x <= limit else {
                throw BookError(
                    path: path + ".brackets[\(k)]",
                    message: "upTo × imf overflows: margin at this bracket's bound is beyond the range of a double")
            }
            if k + 1 < inst.brackets.count, let u = b.upTo {
                cumI += u * abs(inst.brackets[k + 1].imf - b.imf)
                cumM += u * abs(inst.brackets[k + 1].mmf - b.mmf)
                guard cumI <= limit, cumM <= limit else {
                    throw BookError(
                        path: path + ".brackets[\(k + 1)]",
                        message: "the cumulative bracket margin overflows (beyond the range of a double)")
                }
            }
        }
    }

    /// Adds the account's lines; `prefix(k)` is the JSON path of sub-account `k`'s lines.
    mutating func add(_ account: Account, prefix: (Int) -> String) throws(BookError) {
        for (k, sub) in account.subaccounts.enumerated() {
            for (j, line) in sub.collateral.enumerated() {
                let bound = collateralFactors(line.asset).bound(amount: line.amount)
                try add(bound, path: prefix(k) + ".collateral[\(j)]", what: "|amount| × price")
            }
            for (j, pos) in sub.positions.enumerated() {
                guard let f = positionFactors(pos.instrument) else { continue }
                let bound = f.bound(pos)
                try add(bound, path: prefix(k) + ".positions[\(j)]", what: "|quantity| × contractSize × price")
            }
        }
    }

    /// What a collateral line's bound is made of, for its asset (looked up once per asset by
    /// ``BookStreamDecoder``, which then adds bounds with ``fits(_:)``).
    struct CollateralFactors {
        var price: Double
        var move: Double
        var borrow: Double
        @inline(__always) func bound(amount: Double) -> Double { abs(amount) * price * move * (2 + borrow) }
    }

    /// What a position's bound is made of, for its instrument.
    struct PositionFactors {
        var scale: Double
        var strike: Double
        var move: Double
        var margin: Double
        @inline(__always) func bound(quantity: Double, entryPrice: Double, isolatedCollateral: Double?) -> Double {
            let value = abs(quantity) * (scale * move + abs(entryPrice) + strike)
            return value * margin + (isolatedCollateral ?? 0)
        }
        @inline(__always) func bound(_ p: Position) -> Double {
            bound(quantity: p.quantity, entryPrice: p.entryPrice, isolatedCollateral: p.isolatedCollateral)
        }
    }

    func collateralFactors(_ asset: String) -> CollateralFactors {
        CollateralFactors(price: price[asset] ?? 1, move: move[asset] ?? 11, borrow: borrow[asset] ?? 0)
    }

    func positionFactors(_ instrument: String) -> PositionFactors? {
        guard let i = instruments[instrument] else { return nil }
        return PositionFactors(
            scale: i.scale, strike: i.strike, move: move[i.underlying] ?? 11, margin: marginFactor + i.rate)
    }

    /// ``add(_:prefix:)`` for one line's bound without the error: false where that throws.
    @inline(__always) mutating func fits(_ bound: Double) -> Bool {
        guard bound <= BookMagnitude.limit else { return false }
        total += bound
        return total <= BookMagnitude.limit
    }

    private mutating func add(_ bound: Double, path: String, what: String) throws(BookError) {
        guard bound <= BookMagnitude.limit else {
            throw BookError(
                path: path,
                message:
                    "\(what) overflows: the figures of this line (at the moves margin and distance search use) "
                    + "are beyond the range of a double")
        }
        total += bound
        guard total <= BookMagnitude.limit else {
            throw BookError(
                path: path,
                message:
                    "the book's figures overflow at this line: the gross value of the positions and collateral "
                    + "up to here is beyond the range of a double")
        }
    }
}
