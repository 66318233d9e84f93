import MarginCore

extension ReviewMetrics {
    /// Computes one account's metrics with the engine, against `market` (a book
    /// whose accounts are ignored) at `prices` or the market's own prices, stamped `at`
    /// (seconds since the epoch).
    public static func compute(account: Account, market: Book, prices: PriceState? = nil, at: Double)
        throws(StoreError) -> ReviewMetrics
    {
        var book = market
        book.accounts = [account]
        let base = prices ?? PriceState(book: book)
        guard base.assetPrice.count == book.assets.count, base.mark.count == book.instruments.count,
            base.iv.count == book.instruments.count, base.assetVol.count == book.assets.count,
            base.volFactor.count == book.assets.count
        else {
            throw .pricesMismatch(
                "\(base.assetPrice.count) asset prices and \(base.mark.count) marks for "
                    + "\(book.assets.count) assets and \(book.instruments.count) instruments")
        }
        let marginBook = MarginBook(book: book)
        let analyzer = Analyzer(book: marginBook, base: base)
        let d = analyzer.detail(account: 0, source: account)
        return ReviewMetrics(
            accountId: account.id, equity: d.metrics.equity, adjustedEquity: d.metrics.adjustedEquity,
            initialMargin: d.metrics.initialMargin, maintenanceMargin: d.metrics.maintenanceMargin,
            marginRatio: d.marginRatio, state: d.state.name, distanceToLiquidation: d.distanceToLiquidation,
            computedAt: at)
    }
}
