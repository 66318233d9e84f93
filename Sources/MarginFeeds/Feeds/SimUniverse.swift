/// The market the simulator moves: assets and the instruments written on them.
///
/// Independent of the margin engine: the caller (the live book) builds one from its book.
public struct SimUniverse: Sendable, Equatable {
    public struct Asset: Sendable, Equatable {
        public var symbol: String
        /// Starting index price in USD.
        public var price: Double
        /// Annualised volatility as a fraction (0.6 = 60 %).
        public var annualVol: Double
        /// Stablecoins: the price does not move.
        public var stable: Bool
        public init(symbol: String, price: Double, annualVol: Double, stable: Bool = false) {
            self.symbol = symbol
            self.price = price
            self.annualVol = annualVol
            self.stable = stable
        }
    }

    public enum InstrumentKind: String, Sendable, Equatable, CaseIterable {
        case perpetual, future, option
    }

    public struct Instrument: Sendable, Equatable {
        public var symbol: String
        /// Symbol of the underlying ``Asset``.
        public var underlying: String
        public var kind: InstrumentKind
        /// Starting implied vol for options (defaults to the underlying's annual vol).
        public var iv: Double?
        public init(symbol: String, underlying: String, kind: InstrumentKind, iv: Double? = nil) {
            self.symbol = symbol
            self.underlying = underlying
            self.kind = kind
            self.iv = iv
        }
    }

    public var assets: [Asset]
    public var instruments: [Instrument]

    public init(assets: [Asset], instruments: [Instrument] = []) {
        self.assets = assets
        self.instruments = instruments
    }

    /// A small demo market: BTC, ETH, SOL, USDC, their perpetuals, a BTC future and BTC options.
    public static let demo = SimUniverse(
        assets: [
            Asset(symbol: "BTC", price: 60_000, annualVol: 0.55),
            Asset(symbol: "ETH", price: 3_000, annualVol: 0.70),
            Asset(symbol: "SOL", price: 150, annualVol: 0.95),
            Asset(symbol: "USDC", price: 1, annualVol: 0, stable: true),
        ],
        instruments: [
            Instrument(symbol: "BTC-PERP", underlying: "BTC", kind: .perpetual),
            Instrument(symbol: "ETH-PERP", underlying: "ETH", kind: .perpetual),
            Instrument(symbol: "SOL-PERP", underlying: "SOL", kind: .perpetual),
            Instrument(symbol: "BTC-27DEC26", underlying: "BTC", kind: .future),
            Instrument(symbol: "BTC-27DEC26-60000-C", underlying: "BTC", kind: .option, iv: 0.55),
            Instrument(symbol: "BTC-27DEC26-50000-P", underlying: "BTC", kind: .option, iv: 0.62),
            Instrument(symbol: "ETH-27DEC26-3000-C", underlying: "ETH", kind: .option, iv: 0.70),
        ])

    /// Checks prices, vols and underlyings; the message says which entry is wrong.
    public func validate() throws(FeedError) {
        var seen = Set<String>()
        for a in assets {
            guard !a.symbol.isEmpty, seen.insert(a.symbol).inserted else {
                throw FeedError(.badSpec, "sim universe: duplicate or empty asset symbol '\(a.symbol)'")
            }
            guard a.price.isFinite, a.price > 0 else {
                throw FeedError(.badSpec, "sim universe: asset \(a.symbol) needs a price > 0")
            }
            guard a.annualVol.isFinite, a.annualVol >= 0, a.annualVol < 10 else {
                throw FeedError(.badSpec, "sim universe: asset \(a.symbol) needs an annual vol in [0, 10)")
            }
        }
        for i in instruments {
            guard seen.contains(i.underlying) else {
                throw FeedError(
                    .badSpec, "sim universe: instrument \(i.symbol) has unknown underlying '\(i.underlying)'")
            }
            if let iv = i.iv, !(iv.isFinite && iv > 0) {
                throw FeedError(.badSpec, "sim universe: instrument \(i.symbol) needs an iv > 0")
            }
        }
    }
}
