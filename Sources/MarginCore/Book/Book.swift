/// A margintop book (`margintop.book/1`): the market and the accounts.
///
/// Values are kept as the document gave them where presence matters (an
/// absent `mark` means "use the index price", an absent `scanRange` means "not
/// scanned"); everything else carries its spec default after decoding. Maps of
/// the document (`assets`, `venues`, `instruments`) keep their document order.
public struct Book: Sendable, Equatable {
    public static let formatName = "margintop.book/1"

    public var asOf: Timestamp
    public var quote: String = "USD"
    public var insuranceFund: Double = 0
    public var defaults = BookDefaults()
    public var assets: [Asset] = []
    public var venues: [Venue] = []
    public var instruments: [Instrument] = []
    public var history: History?
    public var accounts: [Account] = []

    public init(asOf: Timestamp) { self.asOf = asOf }

    public func asset(named name: String) -> Asset? { assets.first { $0.name == name } }
    public func instrument(named name: String) -> Instrument? { instruments.first { $0.name == name } }
}

/// One of the three margin models of the spec.
public enum MarginModel: String, Sendable, Equatable, CaseIterable, Codable {
    case standard, portfolio, es
}

/// The `defaults` object of a book; every field has the spec's default.
public struct BookDefaults: Sendable, Equatable {
    public var model: MarginModel = .standard
    public var warn: Double = 0.70
    public var danger: Double = 0.90
    public var shortOption = ShortOptionParams()
    public var portfolio = PortfolioParams()
    public var es = ESParams()
    public var volFactorMax: Double = 3
    public var staleAfterSeconds: Double = 5
    public init() {}
}

public struct ShortOptionParams: Sendable, Equatable {
    public var imBase: Double = 0.15
    public var imFloor: Double = 0.10
    public var mm: Double = 0.075
    public init() {}
}

public struct PortfolioParams: Sendable, Equatable {
    public var extremeMultiple: Double = 3
    public var extremeCover: Double = 0.35
    public var somc: Double = 0.01
    public var imMultiplier: Double = 1.25
    public init() {}
}

public struct ESParams: Sendable, Equatable {
    public var horizonDays: Double = 2
    public var imMultiplier: Double = 1.25
    public init() {}
}

public struct Asset: Sendable, Equatable {
    public var name: String
    /// Index price; `nil` only for a stable asset (then 1).
    public var price: Double?
    public var stable: Bool = false
    public var haircut: Double = 0
    public var borrowAddOn: Double = 0
    public var vol: Double?
    /// Price scan range of the portfolio model; presence (even 0) means "scanned".
    public var scanRange: Double?
    public var volScanRange: Double?

    public init(
        name: String, price: Double?, stable: Bool = false, haircut: Double = 0, borrowAddOn: Double = 0,
        vol: Double? = nil, scanRange: Double? = nil, volScanRange: Double? = nil
    ) {
        self.name = name
        self.price = price
        self.stable = stable
        self.haircut = haircut
        self.borrowAddOn = borrowAddOn
        self.vol = vol
        self.scanRange = scanRange
        self.volScanRange = volScanRange
    }

    /// The index price the book gives: `price`, or 1 for a stable asset without one.
    public var effectivePrice: Double { price ?? 1 }
}

public struct Venue: Sendable, Equatable {
    public var name: String
    public var haircutAddOn: Double = 0
    public var transferLatencySeconds: Double?
    public init(name: String, haircutAddOn: Double = 0, transferLatencySeconds: Double? = nil) {
        self.name = name
        self.haircutAddOn = haircutAddOn
        self.transferLatencySeconds = transferLatencySeconds
    }
}

public enum InstrumentKind: String, Sendable, Equatable, CaseIterable {
    case perpetual, future, option
}

public enum OptionRight: String, Sendable, Equatable {
    case call, put
}

/// One margin bracket; `upTo == nil` is the last, open one.
public struct Bracket: Sendable, Equatable {
    public var upTo: Double?
    public var imf: Double
    public var mmf: Double
    public init(upTo: Double?, imf: Double, mmf: Double) {
        self.upTo = upTo
        self.imf = imf
        self.mmf = mmf
    }
}

public struct Instrument: Sendable, Equatable {
    public var name: String
    public var kind: InstrumentKind
    public var underlying: String
    public var contractSize: Double = 1
    /// Mark price of a perpetual or future; `nil` means the underlying's index.
    public var mark: Double?
    public var brackets: [Bracket] = []
    public var expiry: Timestamp?
    public var right: OptionRight?
    public var strike: Double?
    public var iv: Double?

    public init(
        name: String, kind: InstrumentKind, underlying: String, contractSize: Double = 1, mark: Double? = nil,
        brackets: [Bracket] = [], expiry: Timestamp? = nil, right: OptionRight? = nil, strike: Double? = nil,
        iv: Double? = nil
    ) {
        self.name = name
        self.kind = kind
        self.underlying = underlying
        self.contractSize = contractSize
        self.mark = mark
        self.brackets = brackets
        self.expiry = expiry
        self.right = right
        self.strike = strike
        self.iv = iv
    }
}

/// Joint one-day returns per asset, one vector per date.
public struct History: Sendable, Equatable {
    public var dates: [String]
    public var returns: [AssetReturns]
    public init(dates: [String], returns: [AssetReturns]) {
        self.dates = dates
        self.returns = returns
    }
}

public struct AssetReturns: Sendable, Equatable {
    public var asset: String
    public var values: [Double]
    public init(asset: String, values: [Double]) {
        self.asset = asset
        self.values = values
    }
}

public struct Account: Sendable, Equatable {
    public var id: String
    /// The document's name; `displayName` falls back to the id.
    public var name: String?
    /// The account's own model; `nil` takes the book default.
    public var model: MarginModel?
    public var subaccounts: [SubAccount]

    public init(id: String, name: String? = nil, model: MarginModel? = nil, subaccounts: [SubAccount]) {
        self.id = id
        self.name = name
        self.model = model
        self.subaccounts = subaccounts
    }

    public var displayName: String { name ?? id }
}

public struct SubAccount: Sendable, Equatable {
    public var id: String
    public var collateral: [CollateralLine] = []
    public var positions: [Position] = []
    public init(id: String, collateral: [CollateralLine] = [], positions: [Position] = []) {
        self.id = id
        self.collateral = collateral
        self.positions = positions
    }
}

/// `(asset, amount, venue)`; a negative amount is a borrow.
public struct CollateralLine: Sendable, Equatable {
    public var asset: String
    public var amount: Double
    public var venue: String?
    public init(asset: String, amount: Double, venue: String? = nil) {
        self.asset = asset
        self.amount = amount
        self.venue = venue
    }
}

public struct Position: Sendable, Equatable {
    public var instrument: String
    public var quantity: Double
    public var entryPrice: Double
    /// Ring-fenced quote cash of an isolated position; `nil` when pooled.
    public var isolatedCollateral: Double?
    public init(instrument: String, quantity: Double, entryPrice: Double, isolatedCollateral: Double? = nil) {
        self.instrument = instrument
        self.quantity = quantity
        self.entryPrice = entryPrice
        self.isolatedCollateral = isolatedCollateral
    }
}
