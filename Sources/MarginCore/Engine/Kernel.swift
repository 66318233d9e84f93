/// Equity, adjusted equity, margins (and es figures) of one unit.
public struct UnitMetrics: Sendable, Equatable {
    public var equity: Double
    public var adjustedEquity: Double
    public var initialMargin: Double
    public var maintenanceMargin: Double
    /// One-day VaR 99% and ES 97.5% of an `es` unit; `nil` for the other models.
    public var var99: Double?
    public var es975: Double?

    public init(
        equity: Double, adjustedEquity: Double, initialMargin: Double, maintenanceMargin: Double,
        var99: Double? = nil, es975: Double? = nil
    ) {
        self.equity = equity
        self.adjustedEquity = adjustedEquity
        self.initialMargin = initialMargin
        self.maintenanceMargin = maintenanceMargin
        self.var99 = var99
        self.es975 = es975
    }
}

/// Evaluates units of a ``MarginBook`` against ``Quotes``. Holds the scratch
/// space of the es model so the hot path allocates nothing per unit.
public struct Evaluator: ~Copyable {
    public let book: MarginBook
    private let scratch: UnsafeMutablePointer<Double>
    private let top: UnsafeMutablePointer<Double>
    private let candidates: UnsafeMutablePointer<Double>
    private let n: Int
    private let k975: Int
    private let k99: Int

    public init(book: MarginBook) {
        self.book = book
        n = book.market.historyCount
        k975 = (n + 39) / 40
        k99 = (n + 99) / 100
        scratch = .allocate(capacity: max(n, 1))
        top = .allocate(capacity: max(k975, 1))
        candidates = .allocate(capacity: 64)
    }

    deinit {
        scratch.deallocate()
        top.deallocate()
        candidates.deallocate()
    }

    /// The metrics of unit `u` at the prices `q` was last updated with.
    @inline(__always)
    public func evaluate(_ u: Int, _ q: Quotes) -> UnitMetrics {
        let b = book
        let m = b.market
        // Summation order is the batch kernel's (MarginBook.compute), so both give the same bits.
        var equity = b.cash[u] - b.entryCost[u]
        var ae = equity
        var l = Int(b.colStart[u])
        let le = Int(b.colStart[u + 1])
        while l < le {
            let p = q.price[Int(b.colAsset[l])]
            equity += b.colAmount[l] * p
            ae += b.colWeighted[l] * p
            l += 1
        }
        var im = 0.0
        var mm = 0.0
        var shortForward = 0.0
        let model = b.model[u]
        var i0 = Int(b.insStart[u])
        let ie = Int(b.insStart[u + 1])
        while i0 < ie {
            let i = Int(b.insInstr[i0])
            let net = b.insNet[i0]
            let v = q.unitValue[i]
            let x = net * v
            equity += x
            ae += x
            let sa = b.insShort[i0]
            if model == .standard {
                let n = abs(net) * v
                let k = m.bracketIndex(instrument: i, notional: n)
                let f = q.bracketFactor[i]
                im += sa * q.imShort[i] + f * (n * m.imf[k] - m.cumI[k])
                mm += sa * q.mmShort[i] + f * (n * m.mmf[k] - m.cumM[k])
            } else {
                shortForward += sa * q.forward[i]
            }
            i0 += 1
        }
        switch model {
        case .standard:
            return UnitMetrics(equity: equity, adjustedEquity: ae, initialMargin: im, maintenanceMargin: mm)
        case .portfolio:
            let p = m.params.portfolio
            let mmP = scanningRisk(u, q) + p.somc * shortForward
            return UnitMetrics(
                equity: equity, adjustedEquity: ae, initialMargin: p.imMultiplier * mmP, maintenanceMargin: mmP)
        case .es:
            let (var99, es975) = historicalLoss(u, q)
            let e = m.params.es
            let mmE = max(0, es975) * e.horizonDays.squareRoot()
            return UnitMetrics(
                equity: equity, adjustedEquity: ae, initialMargin: e.imMultiplier * mmE,
                maintenanceMargin: mmE, var99: var99, es975: es975)
        }
    }

    /// `sum_u max(0, max_j -PnL_j)` over the unit's risk groups.
    @inline(__always)
    func scanningRisk(_ u: Int, _ q: Quotes) -> Double {
        let b = book
        var r = Int(b.riskStart[u])
        let re = Int(b.riskStart[u + 1])
        guard r < re else { return 0 }
        var total = 0.0
        var group = b.riskGroup[r]
        var acc = SIMD16<Double>(repeating: 0)
        let base = UnsafeRawPointer(q.risk.base)
        while r < re {
            let g = b.riskGroup[r]
            if g != group {
                total += max(0, (-acc).max())
                acc = SIMD16(repeating: 0)
                group = g
            }
            let row = base.loadUnaligned(fromByteOffset: Int(b.riskRow[r]) * 16 * 8, as: SIMD16<Double>.self)
            acc += b.riskMult[r] * row
            r += 1
        }
        total += max(0, (-acc).max())
        return total
    }

    /// One-day `(VaR 99%, ES 97.5%)` of the unit's scenario losses (spec 3.3).
    func historicalLoss(_ u: Int, _ q: Quotes) -> (Double, Double) {
        let b = book
        guard n > 0 else { return (0, 0) }
        let rs = Int(b.riskStart[u])
        let re = Int(b.riskStart[u + 1])
        // Scenario P&L, eight scenarios at a time held in a register across the unit's risk rows
        // (each scenario still sums its rows in order, so the bits match a row-by-row loop).
        let hist = UnsafeRawPointer(q.hist.base)
        let out = UnsafeMutableRawPointer(scratch)
        var k = 0
        while k + 8 <= n {
            var acc = SIMD8<Double>(repeating: 0)
            var r = rs
            while r < re {
                let offset = (Int(b.riskRow[r]) * n + k) * 8
                acc += b.riskMult[r] * hist.loadUnaligned(fromByteOffset: offset, as: SIMD8<Double>.self)
                r += 1
            }
            out.storeBytes(of: acc, toByteOffset: k * 8, as: SIMD8<Double>.self)
            k += 8
        }
        while k < n {
            var acc = 0.0
            var r = rs
            while r < re {
                acc += b.riskMult[r] * q.hist.base[Int(b.riskRow[r]) * n + k]
                r += 1
            }
            scratch[k] = acc
            k += 1
        }
        // Largest k975 losses, descending (a stable selection: ties keep scenario order).
        if !Evaluator.boundedTopLosses(scratch, count: n, k: k975, into: top, candidates: candidates) {
            Evaluator.streamingTopLosses(scratch, count: n, k: k975, into: top)
        }
        var sum = 0.0
        for j in 0..<k975 { sum += top[j] }
        return (top[k99 - 1], sum / Double(k975))
    }
}

extension Evaluator {
    /// The `k` largest losses `-pnl[s]`, descending, into `top`: a stable selection (a loss
    /// enters only if it beats the smallest kept, so among equal losses the earlier scenarios
    /// stay), by insertion, eight scenarios at a time passed over when none beats the table.
    static func streamingTopLosses(
        _ pnl: UnsafeMutablePointer<Double>, count n: Int, k: Int, into top: UnsafeMutablePointer<Double>
    ) {
        var filled = 0
        var threshold = -Double.infinity
        var k0 = 0
        while k0 < n {
            if filled == k && k0 + 8 <= n {
                // Counted without branches (a NaN loss is not `<=`, so it takes the scalar path).
                var beating = 0
                for s in k0..<(k0 + 8) { beating &+= -pnl[s] <= threshold ? 0 : 1 }
                if beating == 0 {
                    k0 += 8
                    continue
                }
            }
            let end = min(n, k0 + 8)
            for s in k0..<end { insert(-pnl[s], into: top, k: k, filled: &filled, threshold: &threshold) }
            k0 = end
        }
    }

    /// The same selection as ``streamingTopLosses(_:count:k:into:)``, bit for bit, in two
    /// vector passes: the largest loss of each of `8 g` interleaved lanes (`g = ceil(k / 8)`)
    /// are `8 g` distinct scenarios, so the `k`-th largest of them is a floor under the `k`-th
    /// largest loss; only the few scenarios at or above that floor are then ranked, in scenario
    /// order. `candidates` holds 64. Returns `false`, leaving `top` undefined, when it cannot: a
    /// NaN, fewer than `8 g` scenarios, or `k > 64`.
    static func boundedTopLosses(
        _ pnl: UnsafeMutablePointer<Double>, count n: Int, k: Int, into top: UnsafeMutablePointer<Double>,
        candidates: UnsafeMutablePointer<Double>
    ) -> Bool {
        let groups = (k + 7) / 8
        let chunks = n / 8
        guard k > 0, groups <= 8, chunks >= groups else { return false }
        let raw = UnsafeRawPointer(pnl)
        // Smallest P&L (largest loss) per lane of each group, kept in `candidates` (8 g values).
        let lowest = UnsafeMutableRawPointer(candidates)
        for g in 0..<groups {
            lowest.storeBytes(of: SIMD8<Double>(repeating: .infinity), toByteOffset: g * 64, as: SIMD8<Double>.self)
        }
        var nan = SIMDMask<SIMD8<Int64>>(repeating: false)
        var g = 0
        for c in 0..<chunks {
            let v = raw.loadUnaligned(fromByteOffset: c * 64, as: SIMD8<Double>.self)
            nan .|= v .!= v
            var low = lowest.loadUnaligned(fromByteOffset: g * 64, as: SIMD8<Double>.self)
            low.replace(with: v, where: v .< low)
            lowest.storeBytes(of: low, toByteOffset: g * 64, as: SIMD8<Double>.self)
            g = g + 1 == groups ? 0 : g + 1
        }
        guard !any(nan) else { return false }
        for s in (chunks * 8)..<n where pnl[s].isNaN { return false }
        // The floor: the k-th largest of the 8 g lane maxima, ranked in place.
        let m = 8 * groups
        for i in 0..<m { candidates[i] = -candidates[i] }
        for i in 1..<m {
            let x = candidates[i]
            var j = i
            while j > 0 && candidates[j - 1] < x {
                candidates[j] = candidates[j - 1]
                j -= 1
            }
            candidates[j] = x
        }
        let floor = candidates[k - 1]
        // Every loss at or above the floor, in scenario order, through the same stable insertion.
        var filled = 0
        var threshold = -Double.infinity
        let ceiling = SIMD8<Double>(repeating: -floor)
        for c in 0..<chunks {
            let v = raw.loadUnaligned(fromByteOffset: c * 64, as: SIMD8<Double>.self)
            guard any(v .<= ceiling) else { continue }
            for s in (c * 8)..<(c * 8 + 8) where -pnl[s] >= floor {
                insert(-pnl[s], into: top, k: k, filled: &filled, threshold: &threshold)
            }
        }
        for s in (chunks * 8)..<n where -pnl[s] >= floor {
            insert(-pnl[s], into: top, k: k, filled: &filled, threshold: &threshold)
        }
        return true
    }

    /// One step of the stable top-`k` insertion (descending; an equal loss does not displace).
    @inline(__always)
    static func insert(
        _ loss: Double, into top: UnsafeMutablePointer<Double>, k: Int, filled: inout Int, threshold: inout Double
    ) {
        if filled == k && loss <= threshold { return }
        var j = filled < k ? filled : k - 1
        if filled < k { filled += 1 }
        while j > 0 && top[j - 1] < loss {
            top[j] = top[j - 1]
            j -= 1
        }
        top[j] = loss
        if filled == k { threshold = top[k - 1] }
    }
}

/// Account states of spec section 4, in order of severity, and `error`: a figure that is
/// not a finite number (an overflow on live prices), so nothing about the account can be
/// trusted. `error` sorts first, with the liquidatable accounts, and is never `safe`.
public enum AccountState: Int, Sendable, CaseIterable, Comparable {
    case safe, warning, danger, liquidatable, bankrupt, error

    public static func < (a: AccountState, b: AccountState) -> Bool { a.rawValue < b.rawValue }

    public var name: String {
        switch self {
        case .safe: return "safe"
        case .warning: return "warning"
        case .danger: return "danger"
        case .liquidatable: return "liquidatable"
        case .bankrupt: return "bankrupt"
        case .error: return "error"
        }
    }

    public init?(name: String) {
        guard let s = AccountState.allCases.first(where: { $0.name == name }) else { return nil }
        self = s
    }

    /// Liquidatable, bankrupt or in error: the accounts liquidation works on (and an
    /// operator looks at) first.
    public var isLiquidatable: Bool { self >= .liquidatable }
}

/// Health figures of spec section 4.
public enum Health {
    /// `MM / AE` when `AE > 0`, else `+inf` (shown as null); `+inf` too for an empty account.
    @inline(__always)
    public static func marginRatio(adjustedEquity ae: Double, maintenanceMargin mm: Double) -> Double {
        ae > 0 ? mm / ae : .infinity
    }

    /// Whether `AE <= MM` with something at stake (`MM > 0` or `AE < 0`).
    @inline(__always)
    public static func isLiquidatable(adjustedEquity ae: Double, maintenanceMargin mm: Double) -> Bool {
        ae <= mm && (mm > 0 || ae < 0)
    }

    /// The state of section 4. Branch-free (selects only), because states are
    /// mixed across accounts and mispredicted branches dominate a full recompute.
    /// The ratio is a true division so boundaries are exact (`0.7 * 100 != 70`).
    /// `error` when `E`, `AE` or `MM` is not finite (NaN compares false, so it would read `safe`).
    @inline(__always)
    public static func state(
        equity e: Double, adjustedEquity ae: Double, maintenanceMargin mm: Double,
        warn: Double, danger: Double
    ) -> AccountState {
        // Comparisons as SIMD lane masks (-1 true, 0 false) so the compiler cannot turn them into jumps.
        let mr = mm / ae
        let ge = unsafeBitCast(
            SIMD4<Double>(mr, mr, mm, 0) .>= SIMD4<Double>(warn, danger, ae, 1), to: SIMD4<Int64>.self)
        let gt = unsafeBitCast(SIMD4<Double>(ae, mm, 0, 0) .> SIMD4<Double>(0, 0, ae, e), to: SIMD4<Int64>.self)
        let w = -ge[0]
        let d = -ge[1]
        let aeAtMostMM = -ge[2]
        let positive = -gt[0]
        let mmPositive = -gt[1]
        let aeNegative = -gt[2]
        let bankrupt = -gt[3]
        var code = positive &* w &* (1 &+ d)  // 0 safe, 1 warning, 2 danger
        let liquidatable = aeAtMostMM & (mmPositive | aeNegative)
        code &+= liquidatable &* (3 &- code)
        code &+= bankrupt &* (4 &- code)
        // (e + ae + mm) * 0 is 0 for finite figures and NaN otherwise (inf * 0, NaN, or an overflowing sum).
        let probe = (e + ae + mm) * 0
        let finite = unsafeBitCast(SIMD2<Double>(probe, 0) .== SIMD2<Double>(0, 0), to: SIMD2<Int64>.self)
        let invalid = 1 &+ finite[0]
        code &+= invalid &* (5 &- code)
        // `code` is 0...5, the cases in declaration order (the enum's one-byte tag).
        return unsafeBitCast(UInt8(truncatingIfNeeded: code), to: AccountState.self)
    }

    public static func state(_ m: UnitMetrics, _ p: BookDefaults) -> AccountState {
        state(
            equity: m.equity, adjustedEquity: m.adjustedEquity, maintenanceMargin: m.maintenanceMargin,
            warn: p.warn, danger: p.danger)
    }
}
