/// The metrics of every unit of a book at one set of prices, in
/// structure-of-arrays form, with states and the liquidation-priority order.
public final class BookResults: @unchecked Sendable {
    public let unitCount: Int
    public let equity: Column<Double>
    public let adjustedEquity: Column<Double>
    public let initialMargin: Column<Double>
    public let maintenanceMargin: Column<Double>
    /// NaN where the unit's model is not `es`.
    public let var99: Column<Double>
    public let es975: Column<Double>
    public let state: Column<AccountState>

    public init(unitCount: Int) {
        self.unitCount = unitCount
        equity = Column(repeating: 0, count: unitCount)
        adjustedEquity = Column(repeating: 0, count: unitCount)
        initialMargin = Column(repeating: 0, count: unitCount)
        maintenanceMargin = Column(repeating: 0, count: unitCount)
        var99 = Column(repeating: .nan, count: unitCount)
        es975 = Column(repeating: .nan, count: unitCount)
        state = Column(repeating: .safe, count: unitCount)
    }

    /// Stores the metrics of unit `u` and classifies it.
    @inline(__always)
    public func store(_ u: Int, _ m: UnitMetrics, warn: Double, danger: Double) {
        equity[u] = m.equity
        adjustedEquity[u] = m.adjustedEquity
        initialMargin[u] = m.initialMargin
        maintenanceMargin[u] = m.maintenanceMargin
        var99[u] = m.var99 ?? .nan
        es975[u] = m.es975 ?? .nan
        state[u] = Health.state(
            equity: m.equity, adjustedEquity: m.adjustedEquity, maintenanceMargin: m.maintenanceMargin,
            warn: warn, danger: danger)
    }

    public func metrics(_ u: Int) -> UnitMetrics {
        UnitMetrics(
            equity: equity[u], adjustedEquity: adjustedEquity[u], initialMargin: initialMargin[u],
            maintenanceMargin: maintenanceMargin[u], var99: var99[u].isNaN ? nil : var99[u],
            es975: es975[u].isNaN ? nil : es975[u])
    }

    @inline(__always)
    public func marginRatio(_ u: Int) -> Double {
        Health.marginRatio(adjustedEquity: adjustedEquity[u], maintenanceMargin: maintenanceMargin[u])
    }

    /// Whether account `a` comes before account `b` in liquidation priority
    /// (liquidatable and bankrupt first; then margin ratio descending, infinite
    /// first; then MM descending; then id ascending).
    @inline(__always)
    public func precedes(_ a: Int, _ b: Int, ids: [String]) -> Bool {
        let la = state[a].isLiquidatable
        let lb = state[b].isLiquidatable
        if la != lb { return la }
        let ra = marginRatio(a)
        let rb = marginRatio(b)
        if ra != rb { return ra > rb }
        let ma = maintenanceMargin[a]
        let mb = maintenanceMargin[b]
        if ma != mb { return ma > mb }
        return ids[a] < ids[b]
    }

    /// Account indices `0 ..< accountCount` in liquidation-priority order.
    ///
    /// Each account gets one 64-bit key whose ascending order is the order of the
    /// first two rules (liquidatable and bankrupt first, then margin ratio descending,
    /// infinite first): the ratio is never negative, so its bit pattern orders like the
    /// number. The keys' top 32 bits are radix-sorted with the account index packed below
    /// them (no comparisons); only runs that share those bits, which are rare, are then
    /// ordered by the whole key, MM descending and id ascending.
    public func priorityOrder(accountCount: Int, ids: [String]) -> [Int] {
        BookResults.priorityOrder(
            count: accountCount, state: UnsafeBufferPointer(start: state.base, count: accountCount),
            adjustedEquity: UnsafeBufferPointer(start: adjustedEquity.base, count: accountCount),
            maintenanceMargin: UnsafeBufferPointer(start: maintenanceMargin.base, count: accountCount),
            ids: ids)
    }

    /// ``priorityOrder(accountCount:ids:)`` over copied columns (a snapshot's).
    public static func priorityOrder(
        count n: Int, state: UnsafeBufferPointer<AccountState>,
        adjustedEquity: UnsafeBufferPointer<Double>,
        maintenanceMargin: UnsafeBufferPointer<Double>, ids: [String]
    ) -> [Int] {
        guard n > 1 else { return Array(0..<n) }
        precondition(n <= Int(UInt32.max), "priorityOrder: more accounts than a 32-bit index holds")
        // Full keys, and the top 32 bits of each packed with the account's index below them.
        var keys = [UInt64](repeating: 0, count: n)
        var packed = [UInt64](repeating: 0, count: n)
        for a in 0..<n {
            // + 0.0 makes -0 +0.
            let ratio =
                Health.marginRatio(adjustedEquity: adjustedEquity[a], maintenanceMargin: maintenanceMargin[a]) + 0.0
            let group: UInt64 = state[a].isLiquidatable ? 0 : 1 << 63
            let key = group | (~ratio.bitPattern & 0x7FFF_FFFF_FFFF_FFFF)
            keys[a] = key
            packed[a] = (key & 0xFFFF_FFFF_0000_0000) | UInt64(a)
        }
        // Radix sort of the packed words on their top 32 bits: passes of 11, 11 and 10 bits with
        // 2,048 counters (they stay in the first-level cache); a pass whose digit is the same for
        // every account is skipped.
        var spare = [UInt64](repeating: 0, count: n)
        var counts = [Int](repeating: 0, count: 1 << 11)
        var inPacked = true
        packed.withUnsafeMutableBufferPointer { p in
            spare.withUnsafeMutableBufferPointer { q in
                counts.withUnsafeMutableBufferPointer { c in
                    for (shift, bits) in [(32, 11), (43, 11), (54, 10)] {
                        let (src, dst) = inPacked ? (p, q) : (q, p)
                        let mask = UInt64(1 << bits - 1)
                        let shift = UInt64(shift)
                        for d in 0..<(1 << bits) { c[d] = 0 }
                        for i in 0..<n { c[Int(truncatingIfNeeded: (src[i] >> shift) & mask)] += 1 }
                        if c[Int(truncatingIfNeeded: (src[0] >> shift) & mask)] == n { continue }
                        var sum = 0
                        for d in 0..<(1 << bits) {
                            let x = c[d]
                            c[d] = sum
                            sum += x
                        }
                        for i in 0..<n {
                            let d = Int(truncatingIfNeeded: (src[i] >> shift) & mask)
                            dst[c[d]] = src[i]
                            c[d] += 1
                        }
                        inPacked.toggle()
                    }
                }
            }
        }
        let sorted = inPacked ? packed : spare
        var result = sorted.map { Int(truncatingIfNeeded: $0 & 0xFFFF_FFFF) }
        // Runs that share the top 32 bits (rare but for equal ratios) are ordered by the full key,
        // then MM descending, then id ascending.
        var start = 0
        while start < n {
            let top = sorted[start] >> 32
            var end = start + 1
            while end < n && sorted[end] >> 32 == top { end += 1 }
            if end - start > 1 {
                result[start..<end].sort { x, y in
                    if keys[x] != keys[y] { return keys[x] < keys[y] }
                    let mx = maintenanceMargin[x]
                    let my = maintenanceMargin[y]
                    if mx != my { return mx > my }
                    return ids[x] < ids[y]
                }
            }
            start = end
        }
        return result
    }

    /// Counts per state over the pooled accounts, and their total shortfall (`-E` of bankrupt ones).
    public func summary(accountCount: Int) -> (counts: [AccountState: Int], shortfall: Double) {
        var counts: [AccountState: Int] = [:]
        for s in AccountState.allCases { counts[s] = 0 }
        var c = [Int](repeating: 0, count: AccountState.allCases.count)
        var shortfall = 0.0
        for a in 0..<accountCount {
            c[state[a].rawValue] += 1
            if state[a] == .bankrupt { shortfall += -equity[a] }
        }
        for s in AccountState.allCases { counts[s] = c[s.rawValue] }
        return (counts, shortfall)
    }
}

extension MarginBook {
    /// Evaluates every unit at the prices of `quotes` into `results`.
    public func computeAll(_ quotes: Quotes, into results: BookResults) {
        compute(0..<unitCount, quotes, into: results)
    }

    /// Evaluates units `range` (for incremental or parallel recompute).
    ///
    /// Works in blocks of units whose outputs stay in cache; in each block, three
    /// flat passes over raw column pointers hoisted out of the loops (no
    /// retain/release, no bounds checks, no allocation, no data-dependent
    /// branches): collateral lines, instrument lines (padded bracket tables),
    /// then units (states). Portfolio and es units get their margins from
    /// ``Evaluator`` in the unit pass. Same summation order as the evaluator.
    public func compute(_ range: Range<Int>, _ quotes: Quotes, into results: BookResults) {
        let ev = Evaluator(book: self)
        var start = range.lowerBound
        while start < range.upperBound {
            let block = start..<min(start + 4096, range.upperBound)
            computeBlock(block, quotes, results, ev)
            start = block.upperBound
        }
    }

    private func computeBlock(_ block: Range<Int>, _ quotes: Quotes, _ results: BookResults, _ ev: borrowing Evaluator)
    {
        let warn = market.params.warn
        let danger = market.params.danger
        let model = self.model.base
        let cash = self.cash.base
        let entryCost = self.entryCost.base
        let colUnit = self.colUnit.base
        let colAsset = self.colAsset.base
        let colAmount = self.colAmount.base
        let colWeighted = self.colWeighted.base
        let insUnit = self.insUnit.base
        let insInstr = self.insInstr.base
        let insNet = self.insNet.base
        let insShort = self.insShort.base
        let price = quotes.price.base
        let unitValue = quotes.unitValue.base
        let imShort = quotes.imShort.base
        let mmShort = quotes.mmShort.base
        let factor = quotes.bracketFactor.base
        let stride = market.bracketStride
        let upTo = market.upTo.base
        let imf = market.imf.base
        let mmf = market.mmf.base
        let cumI = market.cumI.base
        let cumM = market.cumM.base
        let outE = results.equity.base
        let outAE = results.adjustedEquity.base
        let outIM = results.initialMargin.base
        let outMM = results.maintenanceMargin.base
        let outState = results.state.base
        for u in block {
            let base = cash[u] - entryCost[u]
            outE[u] = base
            outAE[u] = base
            outIM[u] = 0
            outMM[u] = 0
        }
        var l = Int(truncatingIfNeeded: colStart[block.lowerBound])
        let le = Int(truncatingIfNeeded: colStart[block.upperBound])
        while l < le {
            let u = Int(truncatingIfNeeded: colUnit[l])
            let p = price[Int(truncatingIfNeeded: colAsset[l])]
            outE[u] += colAmount[l] * p
            outAE[u] += colWeighted[l] * p
            l &+= 1
        }
        var k = Int(truncatingIfNeeded: insStart[block.lowerBound])
        let ke = Int(truncatingIfNeeded: insStart[block.upperBound])
        while k < ke {
            let u = Int(truncatingIfNeeded: insUnit[k])
            let i = Int(truncatingIfNeeded: insInstr[k])
            let net = insNet[k]
            let v = unitValue[i]
            let x = net * v
            outE[u] += x
            outAE[u] += x
            let n = abs(net) * v
            let b = MarginBook.bracketIndex(upTo: upTo, base: i &* stride, stride: stride, notional: n)
            let f = factor[i]
            let sa = insShort[k]
            outIM[u] += sa * imShort[i] + f * (n * imf[b] - cumI[b])
            outMM[u] += sa * mmShort[i] + f * (n * mmf[b] - cumM[b])
            k &+= 1
        }
        for u in block {
            if model[u] == .standard {
                outState[u] = Health.state(
                    equity: outE[u], adjustedEquity: outAE[u], maintenanceMargin: outMM[u],
                    warn: warn, danger: danger)
            } else {
                results.store(u, ev.evaluate(u, quotes), warn: warn, danger: danger)
            }
        }
    }

    /// Whether any unit uses the portfolio model / the es model (which quotes they need).
    public var usesPortfolio: Bool { (0..<unitCount).contains { model[$0] == .portfolio } }
    public var usesES: Bool { (0..<unitCount).contains { model[$0] == .es } }
}
