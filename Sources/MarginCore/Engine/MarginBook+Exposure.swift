extension MarginBook {
    /// Per account, in one pass over the columns without allocating per account:
    /// the asset of the largest exposure (positions `|net| * value` by underlying
    /// plus non-stable collateral `|amount * P|`) and its notional, and the age of
    /// the oldest price the account rests on (its non-stable underlyings' and
    /// collateral's index ages, and the mark ages of its instruments where fed,
    /// its isolated buckets' included).
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
