/// A book compiled for computation: every account's pooled lines and every
/// isolated bucket as a *unit* in structure-of-arrays form.
///
/// Unit `a < accountCount` is the pooled part of account `a`; isolated buckets
/// follow, `bucketStart[a] ..< bucketStart[a + 1]` being account `a`'s. Collateral
/// lines are merged per asset (weighting is linear per line, so merged sums are
/// exact), positions are netted per instrument, and each unit's instrument
/// lines are sorted by underlying so portfolio risk groups are contiguous.
public final class MarginBook: @unchecked Sendable {
    public let market: CompiledMarket
    public let accountIds: [String]
    public let accountNames: [String]
    public let accountCount: Int
    public let unitCount: Int
    /// Positions in the book (before netting), for throughput figures.
    public let positionCount: Int

    /// Effective model of each unit (a bucket takes its account's).
    public let model: Column<MarginModel>
    /// Ring-fenced quote cash of a bucket (0 for pooled units).
    let cash: Column<Double>
    /// `sum q * cs * entryPrice` over the unit's perpetuals and futures.
    let entryCost: Column<Double>
    let colStart: Column<Int32>
    /// Unit of each collateral line / instrument line, for the flat batch passes.
    let colUnit: Column<Int32>
    let insUnit: Column<Int32>
    let colAsset: Column<Int32>
    let colAmount: Column<Double>
    /// `amount * (1 - h)` or `amount * (1 + borrowAddOn)` summed; the model decides which lines are weighted.
    let colWeighted: Column<Double>
    let insStart: Column<Int32>
    let insInstr: Column<Int32>
    /// Net `q * cs` per instrument.
    let insNet: Column<Double>
    /// `sum |q| * cs` over short option lines (0 for perpetuals and futures).
    let insShort: Column<Double>
    let riskStart: Column<Int32>
    let riskRow: Column<Int32>
    let riskMult: Column<Double>
    let riskGroup: Column<Int32>

    /// Bucket units of each account.
    public let bucketStart: [Int]
    /// Unit → account it belongs to.
    public let unitAccount: Column<Int32>
    /// For bucket units: the position's sub-account id and instrument index.
    public let bucketSubaccount: [String]
    public let bucketInstrument: [Int]

    /// Compiles `book`; `modelOverride` replaces every account's model. A big book's accounts
    /// are compiled in `threads` contiguous parts at once, then joined: the same columns as one
    /// pass over them.
    public convenience init(
        book: Book, market: CompiledMarket? = nil, modelOverride: MarginModel? = nil,
        threads: Int = MarginBook.defaultThreads
    ) {
        self.init(
            book: book, market: market, modelOverride: modelOverride, threads: threads,
            parallelFrom: MarginBook.parallelCompileMinimum)
    }

    /// ``init(book:market:modelOverride:threads:)``, in parts once the book has `parallelFrom` accounts.
    init(book: Book, market: CompiledMarket?, modelOverride: MarginModel?, threads: Int, parallelFrom: Int) {
        let market = market ?? CompiledMarket(book)
        self.market = market
        accountCount = book.accounts.count
        accountIds = book.accounts.map(\.id)
        accountNames = book.accounts.map(\.displayName)

        let n = accountCount
        let parts = n >= max(1, parallelFrom) ? max(1, threads) : 1
        let compilePart = { @Sendable (_: Void, p: Int) in
            var b = Builder(market: market)
            var positions = 0
            var models: [MarginModel] = []
            var lines: [(Int, CollateralLine)] = []
            var pos: [Position] = []
            for a in (n * p / parts)..<(n * (p + 1) / parts) {
                let acct = book.accounts[a]
                let m = modelOverride ?? acct.model ?? book.defaults.model
                models.append(m)
                lines.removeAll(keepingCapacity: true)
                pos.removeAll(keepingCapacity: true)
                for s in acct.subaccounts {
                    for c in s.collateral { lines.append((market.assetIndex[c.asset] ?? 0, c)) }
                    for p in s.positions where p.isolatedCollateral == nil { pos.append(p) }
                    positions += s.positions.count
                }
                b.addUnit(model: m, cash: 0, collateral: lines, positions: pos)
            }
            return (builder: b, models: models, positions: positions)
        }
        let compiled = parallelMap(parts, threads: parts, context: {}, compilePart)
        var b = Builder(market: market)
        var positions = 0
        var models: [MarginModel] = []
        models.reserveCapacity(n)
        for part in compiled {
            b.append(part.builder)
            models += part.models
            positions += part.positions
        }
        var bucketStart = [Int](repeating: 0, count: accountCount + 1)
        var bucketSub: [String] = []
        var bucketInst: [Int] = []
        var unitAccount = (0..<accountCount).map { Int32($0) }
        for (ai, acct) in book.accounts.enumerated() {
            bucketStart[ai] = accountCount + bucketSub.count
            for s in acct.subaccounts {
                for p in s.positions {
                    guard let c = p.isolatedCollateral else { continue }
                    b.addUnit(model: models[ai], cash: c, collateral: [], positions: [p])
                    models.append(models[ai])
                    bucketSub.append(s.id)
                    bucketInst.append(market.instrumentIndex[p.instrument] ?? 0)
                    unitAccount.append(Int32(ai))
                }
            }
        }
        bucketStart[accountCount] = accountCount + bucketSub.count
        self.bucketStart = bucketStart
        bucketSubaccount = bucketSub
        bucketInstrument = bucketInst
        self.unitAccount = Column(unitAccount)
        unitCount = models.count
        positionCount = positions
        model = Column(models)
        cash = Column(b.cash)
        entryCost = Column(b.entryCost)
        colStart = Column(b.colStart + [Int32(b.colAsset.count)])
        colUnit = Column(b.colUnit)
        insUnit = Column(b.insUnit)
        colAsset = Column(b.colAsset)
        colAmount = Column(b.colAmount)
        colWeighted = Column(b.colWeighted)
        insStart = Column(b.insStart + [Int32(b.insInstr.count)])
        insInstr = Column(b.insInstr)
        insNet = Column(b.insNet)
        insShort = Column(b.insShort)
        riskStart = Column(b.riskStart + [Int32(b.riskRow.count)])
        riskRow = Column(b.riskRow)
        riskMult = Column(b.riskMult)
        riskGroup = Column(b.riskGroup)
    }

    /// The threads a big book is compiled on by default: one per active core.
    public static var defaultThreads: Int { BatchAnalyzer.defaultThreads }
    /// Books with fewer accounts are compiled in one pass.
    static let parallelCompileMinimum = 50_000

    /// Number of bounds below `n` in `upTo[base ..< base + stride]` (stride a multiple of 4), plus `base`.
    @inline(__always)
    static func bracketIndex(upTo: UnsafeMutablePointer<Double>, base: Int, stride: Int, notional n: Double) -> Int {
        let raw = UnsafeRawPointer(upTo + base)
        let splat = SIMD4<Double>(repeating: n)
        var below = SIMD4<Int64>(repeating: 0)
        var j = 0
        while j < stride {
            let bounds = raw.loadUnaligned(fromByteOffset: j &* 8, as: SIMD4<Double>.self)
            below &-= unsafeBitCast(splat .> bounds, to: SIMD4<Int64>.self)
            j &+= 4
        }
        return base &+ Int(below.wrappedSum())
    }

    /// Instruments unit `u` holds (pooled, netted).
    /// The first instrument held by unit `u` for which `match` holds, without allocating.
    @inline(__always)
    public func firstInstrument(ofUnit u: Int, where match: (Int) -> Bool) -> Int? {
        var k = Int(insStart[u])
        let e = Int(insStart[u + 1])
        while k < e {
            let i = Int(insInstr[k])
            if match(i) { return i }
            k += 1
        }
        return nil
    }

    /// Calls `body` with each instrument unit `u` holds, in order, without allocating.
    @inline(__always)
    public func forEachInstrument(ofUnit u: Int, _ body: (Int) -> Void) {
        for k in Int(insStart[u])..<Int(insStart[u + 1]) { body(Int(insInstr[k])) }
    }

    public func instruments(ofUnit u: Int) -> [Int] {
        (Int(insStart[u])..<Int(insStart[u + 1])).map { Int(insInstr[$0]) }
    }

    /// Assets unit `u` holds as collateral.
    public func collateralAssets(ofUnit u: Int) -> [Int] {
        (Int(colStart[u])..<Int(colStart[u + 1])).map { Int(colAsset[$0]) }
    }

    /// Net `q * cs` per instrument of unit `u`.
    public func netExposure(ofUnit u: Int) -> [(instrument: Int, net: Double, shortOptions: Double)] {
        (Int(insStart[u])..<Int(insStart[u + 1])).map { (Int(insInstr[$0]), insNet[$0], insShort[$0]) }
    }

    /// Collateral of unit `u` merged per asset: `(asset, amount)`.
    public func collateral(ofUnit u: Int) -> [(asset: Int, amount: Double)] {
        (Int(colStart[u])..<Int(colStart[u + 1])).map { (Int(colAsset[$0]), colAmount[$0]) }
    }

    /// The unit's ring-fenced cash (isolated collateral of a bucket).
    public func isolatedCash(ofUnit u: Int) -> Double { cash[u] }

    /// Builds the columns unit by unit.
    struct Builder {
        let market: CompiledMarket
        var cash: [Double] = [], entryCost: [Double] = []
        var colUnit: [Int32] = [], insUnit: [Int32] = []
        var colStart: [Int32] = [], colAsset: [Int32] = [], colAmount: [Double] = [], colWeighted: [Double] = []
        var insStart: [Int32] = [], insInstr: [Int32] = [], insNet: [Double] = [], insShort: [Double] = []
        var riskStart: [Int32] = [], riskRow: [Int32] = [], riskMult: [Double] = [], riskGroup: [Int32] = []

        // Scratch of `addUnit`, kept from one unit to the next.
        private var merged: [(asset: Int, amount: Double, weighted: Double)] = []
        private var lines: [(instrument: Int, net: Double, short: Double)] = []
        private var items: [(row: Int, mult: Double, group: Int)] = []

        init(market: CompiledMarket) { self.market = market }

        /// Appends the units `other` built after this one's: its unit numbers and line offsets
        /// moved past this builder's.
        mutating func append(_ other: Builder) {
            let units = Int32(cash.count)
            let (cols, ins, risks) = (Int32(colAsset.count), Int32(insInstr.count), Int32(riskRow.count))
            cash += other.cash
            entryCost += other.entryCost
            colUnit += other.colUnit.map { $0 + units }
            insUnit += other.insUnit.map { $0 + units }
            colStart += other.colStart.map { $0 + cols }
            colAsset += other.colAsset
            colAmount += other.colAmount
            colWeighted += other.colWeighted
            insStart += other.insStart.map { $0 + ins }
            insInstr += other.insInstr
            insNet += other.insNet
            insShort += other.insShort
            riskStart += other.riskStart.map { $0 + risks }
            riskRow += other.riskRow
            riskMult += other.riskMult
            riskGroup += other.riskGroup
        }

        /// Whether a collateral asset's price risk is held by the model's scenarios (then no haircut).
        func scenarioHeld(_ a: Int, _ model: MarginModel) -> Bool {
            switch model {
            case .standard: return false
            case .portfolio: return market.scanRange[a] != nil
            case .es: return market.hasHistory[a]
            }
        }

        mutating func addUnit(
            model: MarginModel, cash c: Double, collateral: [(Int, CollateralLine)], positions: [Position]
        ) {
            cash.append(c)
            // Collateral merged per asset, in asset order.
            colStart.append(Int32(colAsset.count))
            merged.removeAll(keepingCapacity: true)
            for (a, line) in collateral {
                let weighted: Double
                if scenarioHeld(a, model) {
                    weighted = line.amount
                } else if line.amount > 0 {
                    weighted = line.amount * (1 - market.haircut(asset: a, venue: line.venue))
                } else {
                    weighted = line.amount * (1 + market.borrowAddOn[a])
                }
                if let k = merged.firstIndex(where: { $0.asset == a }) {
                    merged[k].amount += line.amount
                    merged[k].weighted += weighted
                } else {
                    merged.append((a, line.amount, weighted))
                }
            }
            merged.sort { $0.asset < $1.asset }
            let unit = Int32(cash.count - 1)
            for m in merged {
                colUnit.append(unit)
                colAsset.append(Int32(m.asset))
                colAmount.append(m.amount)
                colWeighted.append(m.weighted)
            }
            // Positions netted per instrument.
            insStart.append(Int32(insInstr.count))
            lines.removeAll(keepingCapacity: true)
            var entry = 0.0
            for p in positions {
                let i = market.instrumentIndex[p.instrument] ?? 0
                let qcs = p.quantity * market.contractSize[i]
                let isOption = market.kind[i] == .option
                if !isOption { entry += qcs * p.entryPrice }
                let short = isOption && qcs < 0 ? -qcs : 0
                if let k = lines.firstIndex(where: { $0.instrument == i }) {
                    lines[k].net += qcs
                    lines[k].short += short
                } else {
                    lines.append((i, qcs, short))
                }
            }
            lines.sort {
                (market.underlying[$0.instrument], $0.instrument) < (market.underlying[$1.instrument], $1.instrument)
            }
            for l in lines {
                insUnit.append(unit)
                insInstr.append(Int32(l.instrument))
                insNet.append(l.net)
                insShort.append(l.short)
            }
            entryCost.append(entry)
            // Risk items of the scenario models.
            riskStart.append(Int32(riskRow.count))
            guard model != .standard else { return }
            items.removeAll(keepingCapacity: true)
            for l in lines where scenarioHeld(market.underlying[l.instrument], model) {
                items.append((l.instrument, l.net, market.underlying[l.instrument]))
            }
            for m in merged where scenarioHeld(m.asset, model) {
                items.append((market.instrumentCount + m.asset, m.amount, m.asset))
            }
            items.sort { ($0.group, $0.row) < ($1.group, $1.row) }
            for it in items {
                riskRow.append(Int32(it.row))
                riskMult.append(it.mult)
                riskGroup.append(Int32(it.group))
            }
        }
    }
}
