/// The prices the numbers rest on at one moment: index prices, marks and
/// implied vols (from the book, then from the feed), the valuation time and
/// the dynamic-margin vol factors.
public struct PriceState: Sendable, Equatable {
    /// Index price per asset.
    public var assetPrice: [Double]
    /// Mark per instrument; `nil` uses the underlying's index price.
    public var mark: [Double?]
    /// Implied vol per instrument; `nil` uses the underlying's vol.
    public var iv: [Double?]
    /// Vol per asset, used by options without their own iv.
    public var assetVol: [Double]
    /// Vol factor `f[u]` per asset (1 in a static snapshot).
    public var volFactor: [Double]
    /// Valuation time, seconds since the epoch.
    public var asOf: Double

    /// The book's own prices at its `asOf` (or at `asOf` given).
    public init(book: Book, asOf: Double? = nil) {
        assetPrice = book.assets.map(\.effectivePrice)
        mark = book.instruments.map(\.mark)
        iv = book.instruments.map(\.iv)
        assetVol = book.assets.map { $0.vol ?? 0 }
        volFactor = Array(repeating: 1, count: book.assets.count)
        self.asOf = asOf ?? book.asOf.epochSeconds
    }

    /// Effective mark of instrument `i` (perpetuals and futures).
    @inline(__always) public func markPrice(_ i: Int, _ market: CompiledMarket) -> Double {
        mark[i] ?? assetPrice[market.underlying[i]]
    }

    /// Effective vol of option `i`.
    @inline(__always) public func sigma(_ i: Int, _ market: CompiledMarket) -> Double {
        iv[i] ?? assetVol[market.underlying[i]]
    }

    /// Years to expiry of instrument `i`, ACT/365.
    @inline(__always) public func yearsToExpiry(_ i: Int, _ market: CompiledMarket) -> Double {
        (market.expiry[i] - asOf) / (365 * 86400)
    }

    /// A copy with every non-stable asset (and the marks on it) multiplied by `1 + m`.
    public func shockedAll(_ m: Double, _ market: CompiledMarket) -> PriceState {
        var s = self
        for a in 0..<market.assetCount where !market.stable[a] {
            s.assetPrice[a] = assetPrice[a] * (1 + m)
            for i in market.instrumentsOfAsset[a] { if let mk = mark[i] { s.mark[i] = mk * (1 + m) } }
        }
        return s
    }

    /// A copy with asset `a` at price `p` and the marks on it scaled alike.
    public func withPrice(asset a: Int, _ p: Double, _ market: CompiledMarket) -> PriceState {
        var s = self
        let ratio = p / assetPrice[a]
        s.assetPrice[a] = p
        for i in market.instrumentsOfAsset[a] { if let mk = mark[i] { s.mark[i] = mk * ratio } }
        return s
    }
}
