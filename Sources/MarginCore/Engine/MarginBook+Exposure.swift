import Foundation

extension MarginBook {
    /// Per account, in one pass over the columns without allocating per account:
    /// the asset of the largest exposure (positions `|net| * value` by underlying
    /// plus non-stable collateral `|amount * P|`) and its notional, and the age of
    /// the oldest price the account rests on (its non-stable underlyings' and
    /// collateral's index ages, and the mark ages of its instruments where fed,
    /// its isolated buckets' included).
    ///
    /// The definition, in one pass: snapshots take the same figures from an ``ExposureIndex``
    /// laid out once per book, which `ExposureIndexTests` checks against this bit for bit.
    ///
    /// - Parameters:
    ///   - indexAge: seconds since each asset's last index tick.
    ///   - markAge: seconds since each instrument's last mark tick; negative where never fed.
    public func exposures(prices: PriceState, indexAge: [Double], markAge: [Double])
        -> (asset: [Int32], notional: [Double], dataAge: [Double])
    {
        let m = market
        var asset = [Int32](repeating: -1, count: accountCount)
        var notional = [Double](repeating: 0, count: accountCount)
        var age = [Double](repeating: 0, count: accountCount)
        var perAsset = [Double](repeating: 0, count: m.assetCount)
        var unitValue = [Double](repeating: 0, count: m.instrumentCount)
        for i in 0..<m.instrumentCount {
            unitValue[i] = m.kind[i] == .option ? prices.assetPrice[m.underlying[i]] : prices.markPrice(i, m)
        }
        for a in 0..<accountCount {
            var oldest = 0.0
            for k in Int(insStart[a])..<Int(insStart[a + 1]) {
                let i = Int(insInstr[k])
                let u = m.underlying[i]
                perAsset[u] += abs(insNet[k]) * unitValue[i]
                if !m.stable[u] { oldest = max(oldest, indexAge[u]) }
                oldest = max(oldest, markAge[i])
            }
            for l in Int(colStart[a])..<Int(colStart[a + 1]) {
                let x = Int(colAsset[l])
                guard !m.stable[x] else { continue }
                perAsset[x] += abs(colAmount[l]) * prices.assetPrice[x]
                oldest = max(oldest, indexAge[x])
            }
            // Isolated buckets rest on prices too: their ages count, their notionals do not.
            for u in bucketStart[a]..<bucketStart[a + 1] {
                for k in Int(insStart[u])..<Int(insStart[u + 1]) {
                    let i = Int(insInstr[k])
                    let x = m.underlying[i]
                    if !m.stable[x] { oldest = max(oldest, indexAge[x]) }
                    oldest = max(oldest, markAge[i])
                }
            }
            var best = -1
            var bestValue = 0.0
            for x in 0..<m.assetCount where perAsset[x] > bestValue {
                best = x
                bestValue = perAsset[x]
            }
            for x in 0..<m.assetCount { perAsset[x] = 0 }
            asset[a] = Int32(best)
            notional[a] = bestValue
            age[a] = oldest
        }
        return (asset, notional, age)
    }
}

/// What ``MarginBook/exposures(prices:indexAge:markAge:)`` works out, laid out once per book so
/// a snapshot of a large book pays a few nanoseconds an account for it: each account's
/// position rows as `(underlying, |net|, instrument)` and its non-stable collateral as
/// `(asset, |amount|)`, grouped by asset (so one pass sums each asset's notional in a register),
/// and the prices it rests on as one of a few distinct *sources* (the
/// same set of index-aged assets and mark-aged instruments, isolated buckets' included), so
/// its data age is one look-up in a table worked out per snapshot.
public final class ExposureIndex: @unchecked Sendable {
    let instrumentCount: Int
    let assetCount: Int
    let accountCount: Int
    let rowStart: Column<Int32>
    /// Underlying (positions) or asset (collateral) of each row.
    let rowAsset: Column<Int32>
    /// What scales the row, in the per-snapshot value vector: the instrument's unit value at
    /// `instrument`, an asset's price at `instrumentCount + asset` (collateral).
    let rowValue: Column<Int32>
    let rowSize: Column<Double>
    /// Per account, its source; per source, the assets and instruments whose ages it takes.
    let source: [Int32]
    let sourceStart: [Int32]
    /// Index-aged assets as `asset`, mark-aged instruments as `-1 - instrument`.
    let sourceMember: [Int32]

    /// From this many accounts the index is laid out in parts on every core.
    static let partAccounts = 50_000

    public init(_ b: MarginBook, parts requested: Int? = nil) {
        let m = b.market
        instrumentCount = m.instrumentCount
        assetCount = m.assetCount
        accountCount = b.accountCount
        let n = b.accountCount
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let count = max(1, min(requested ?? (n >= Self.partAccounts ? cores : 1), 16, max(n, 1)))
        var built = parallelMap(
            count, threads: count, context: {}, { _, p in Part(b, n * p / count..<n * (p + 1) / count) })
        // Joined in account order; each part's sources numbered in the order they first appear
        // across the parts, as one pass over the accounts numbers them.
        var rowStart: [Int32] = [0]
        rowStart.reserveCapacity(n + 1)
        let rows = built.reduce(0) { $0 + $1.rowAsset.count }
        var rowAsset: [Int32] = []
        var rowValue: [Int32] = []
        var rowSize: [Double] = []
        rowAsset.reserveCapacity(rows)
        rowValue.reserveCapacity(rows)
        rowSize.reserveCapacity(rows)
        var source: [Int32] = []
        source.reserveCapacity(n)
        var sourceStart: [Int32] = [0]
        var sourceMember: [Int32] = []
        var known: [[Int32]: Int32] = [:]
        for p in built.indices {
            // Each part is let go once joined: the index is not held twice over at its peak.
            let part = built[p]
            built[p] = Part()
            let offset = Int32(rowAsset.count)
            rowStart += part.rowEnd.map { $0 + offset }
            rowAsset += part.rowAsset
            rowValue += part.rowValue
            rowSize += part.rowSize
            let global = part.keys.map { key -> Int32 in
                if let s = known[key] { return s }
                let s = Int32(known.count)
                known[key] = s
                sourceMember += key
                sourceStart.append(Int32(sourceMember.count))
                return s
            }
            source += part.source.map { global[Int($0)] }
        }
        self.rowStart = Column(rowStart)
        self.rowAsset = Column(rowAsset)
        self.rowValue = Column(rowValue)
        self.rowSize = Column(rowSize)
        self.source = source
        self.sourceStart = sourceStart
        self.sourceMember = sourceMember
    }

    /// The rows and sources of a range of accounts: each account's row end (from the range's
    /// first row), its rows, and its source as an index into `keys`, the distinct sources in the
    /// order they first appear.
    private struct Part: Sendable {
        var rowEnd: [Int32] = []
        var rowAsset: [Int32] = []
        var rowValue: [Int32] = []
        var rowSize: [Double] = []
        var source: [Int32] = []
        var keys: [[Int32]] = []

        init() {}

        init(_ b: MarginBook, _ accounts: Range<Int>) {
            let m = b.market
            var known: [[Int32]: Int32] = [:]
            rowEnd.reserveCapacity(accounts.count)
            source.reserveCapacity(accounts.count)
            var members: [Int32] = []
            // Reused: a lookup copies nothing, and only a new key (rarely) is stored as a copy.
            var key: [Int32] = []
            for a in accounts {
                members.removeAll(keepingCapacity: true)
                func instrumentAges(_ k: Int) {
                    let i = Int(b.insInstr[k])
                    let u = m.underlying[i]
                    if !m.stable[u] { members.append(Int32(u)) }
                    members.append(Int32(-1 - i))
                }
                let first = rowAsset.count
                for k in Int(b.insStart[a])..<Int(b.insStart[a + 1]) {
                    let i = Int(b.insInstr[k])
                    rowAsset.append(Int32(m.underlying[i]))
                    rowValue.append(Int32(i))
                    rowSize.append(abs(b.insNet[k]))
                    instrumentAges(k)
                }
                for l in Int(b.colStart[a])..<Int(b.colStart[a + 1]) {
                    let x = Int(b.colAsset[l])
                    guard !m.stable[x] else { continue }
                    rowAsset.append(Int32(x))
                    rowValue.append(Int32(m.instrumentCount + x))
                    rowSize.append(abs(b.colAmount[l]))
                    members.append(Int32(x))
                }
                // The account's rows by asset, each asset's in their order (so its sum has the same
                // bits): a stable insertion sort in place, the rows of an account being few.
                for r in (first + 1)..<max(first + 1, rowAsset.count) {
                    var j = r
                    while j > first && rowAsset[j - 1] > rowAsset[j] {
                        rowAsset.swapAt(j - 1, j)
                        rowValue.swapAt(j - 1, j)
                        rowSize.swapAt(j - 1, j)
                        j -= 1
                    }
                }
                for u in b.bucketStart[a]..<b.bucketStart[a + 1] {
                    for k in Int(b.insStart[u])..<Int(b.insStart[u + 1]) { instrumentAges(k) }
                }
                rowEnd.append(Int32(rowAsset.count))
                members.sort()
                key.removeAll(keepingCapacity: true)
                for x in members where key.last != x { key.append(x) }
                if let s = known[key] {
                    source.append(s)
                } else {
                    let s = Int32(keys.count)
                    known[key] = s
                    keys.append(key)
                    source.append(s)
                }
            }
        }
    }

    /// Distinct sets of prices the accounts rest on.
    public var sourceCount: Int { sourceStart.count - 1 }

    /// The same figures as ``MarginBook/exposures(prices:indexAge:markAge:)`` for the book it was
    /// built from: the asset of each account's largest exposure (`-1`: none), its notional, and
    /// the age of the oldest price the account rests on.
    public func exposures(_ b: MarginBook, prices: PriceState, indexAge: [Double], markAge: [Double])
        -> (asset: [Int32], notional: [Double], dataAge: [Double])
    {
        let values = Values(self, b, prices: prices, indexAge: indexAge, markAge: markAge)
        var asset = [Int32](repeating: -1, count: accountCount)
        var notional = [Double](repeating: 0, count: accountCount)
        var age = [Double](repeating: 0, count: accountCount)
        asset.withUnsafeMutableBufferPointer { asset in
            notional.withUnsafeMutableBufferPointer { notional in
                age.withUnsafeMutableBufferPointer { age in
                    exposures(
                        0..<accountCount, values, asset: asset.baseAddress!, notional: notional.baseAddress!,
                        dataAge: age.baseAddress!)
                }
            }
        }
        return (asset, notional, age)
    }

    /// The prices and ages one snapshot's exposures are worked out from (shared by its parts).
    public struct Values: @unchecked Sendable {
        /// Unit values of the instruments (an option's is its underlying's price), then asset prices.
        let value: Column<Double>
        /// Per source, the age of its oldest price.
        let sourceAge: [Double]

        public init(_ x: ExposureIndex, _ b: MarginBook, prices: PriceState, indexAge: [Double], markAge: [Double]) {
            let m = b.market
            value = Column<Double>(repeating: 0, count: x.instrumentCount + x.assetCount)
            for i in 0..<x.instrumentCount {
                value.base[i] = m.kind[i] == .option ? prices.assetPrice[m.underlying[i]] : prices.markPrice(i, m)
            }
            for a in 0..<x.assetCount { value.base[x.instrumentCount + a] = prices.assetPrice[a] }
            var sourceAge = [Double](repeating: 0, count: x.sourceCount)
            for s in 0..<x.sourceCount {
                var oldest = 0.0
                for k in Int(x.sourceStart[s])..<Int(x.sourceStart[s + 1]) {
                    let m = Int(x.sourceMember[k])
                    oldest = max(oldest, m >= 0 ? indexAge[m] : markAge[-1 - m])
                }
                sourceAge[s] = oldest
            }
            self.sourceAge = sourceAge
        }
    }

    /// ``exposures(_:prices:indexAge:markAge:)`` of the accounts in `range`, written at their
    /// indices: parts of a book can be worked out on several threads.
    public func exposures(
        _ range: Range<Int>, _ values: Values, asset: UnsafeMutablePointer<Int32>,
        notional: UnsafeMutablePointer<Double>, dataAge: UnsafeMutablePointer<Double>
    ) {
        let (start, rowAsset, rowValue, size, v) = (
            rowStart.base, self.rowAsset.base, self.rowValue.base, rowSize.base, values.value.base
        )
        values.sourceAge.withUnsafeBufferPointer { sourceAge in
            source.withUnsafeBufferPointer { source in
                for a in range {
                    var r = Int(start[a])
                    let end = Int(start[a + 1])
                    // Each asset's rows in order into one sum; the first (lowest) asset of the
                    // largest notional wins, as in the one-pass version's asset order.
                    var best: Int32 = -1
                    var bestValue = 0.0
                    while r < end {
                        let x = rowAsset[r]
                        var total = 0.0
                        repeat {
                            total += size[r] * v[Int(rowValue[r])]
                            r += 1
                        } while r < end && rowAsset[r] == x
                        if total > bestValue {
                            best = x
                            bestValue = total
                        }
                    }
                    asset[a] = best
                    notional[a] = bestValue
                    dataAge[a] = sourceAge[Int(source[a])]
                }
            }
        }
    }
}
