import Foundation
import MarginCore
import MarginFeeds
import MarginLive

extension SimUniverse {
    /// What the simulated feed moves: the book's assets and instruments at their book prices.
    public init(book: Book) {
        let vols = Dictionary(uniqueKeysWithValues: book.assets.map { ($0.name, $0.vol ?? 0.5) })
        self.init(
            assets: book.assets.map { a in
                SimUniverse.Asset(
                    symbol: a.name, price: a.effectivePrice, annualVol: a.stable ? 0 : (a.vol ?? 0.5), stable: a.stable)
            },
            instruments: book.instruments.map { i in
                SimUniverse.Instrument(
                    symbol: i.name, underlying: i.underlying,
                    kind: SimUniverse.InstrumentKind(rawValue: i.kind.rawValue) ?? .perpetual,
                    iv: i.kind == .option ? (i.iv ?? vols[i.underlying]) : nil)
            })
    }
}
