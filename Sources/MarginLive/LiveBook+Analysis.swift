import MarginCore

extension LiveBook {
    /// Analyses `accounts` at the live prices now (a synchronous pass; liquidation prices too
    /// when `liquidationPrices`) and records the results as of `now`.
    public func analyse(_ accounts: [Int], now: Double, liquidationPrices: Bool = true, threads: Int = 1) {
        analyse(
            liquidationPrices ? AnalysisPlan(full: accounts) : AnalysisPlan(distanceOnly: accounts), now: now,
            threads: threads)
    }

    func analyse(_ plan: AnalysisPlan, now: Double, threads: Int) {
        analysis.analyse(plan, analyzer: analyzer, prices: prices, time: now, threads: threads)
    }

    /// Installs a table a background pass recorded into; `false` (dropped) when it belongs to
    /// an older compilation of the book.
    func install(_ table: AnalysisTable) -> Bool {
        guard table.generation == generation, table.count == marginBook.accountCount else { return false }
        analysis = table
        return true
    }

    /// Whether account `a` is liquidatable at the live prices (its distance is then 0, the
    /// batch analysis's own test).
    public func isLiquidatableNow(_ a: Int) -> Bool {
        Health.isLiquidatable(
            adjustedEquity: results.adjustedEquity[a], maintenanceMargin: results.maintenanceMargin[a])
    }

    /// Account `a`'s distance to liquidation as known now: 0 when liquidatable at the live
    /// prices, else its latest analysis (`nil`: none in range or not analysed yet).
    public func knownDistance(_ a: Int) -> Double? {
        if isLiquidatableNow(a) { return 0 }
        let d = analysis.distance[a]
        return d.isNaN ? nil : d
    }
}
