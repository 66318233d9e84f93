import MarginCore

/// A database value, neutral between the two backends.
enum SQLValue: Sendable, Equatable {
    case null
    case int(Int64)
    case double(Double)
    case text(String)

    init(_ d: Double?) { self = d.map { .double($0) } ?? .null }
    init(_ s: String?) { self = s.map { .text($0) } ?? .null }
    init(_ i: Int) { self = .int(Int64(i)) }
    init(_ b: Bool) { self = .int(b ? 1 : 0) }

    var double: Double? {
        if case .double(let d) = self { return d }
        if case .int(let i) = self { return Double(i) }
        return nil
    }
    var text: String? {
        if case .text(let s) = self { return s }
        return nil
    }
    var int: Int64? {
        if case .int(let i) = self { return i }
        if case .double(let d) = self { return Int64(exactly: d) }
        return nil
    }
}

enum ColumnType: Sendable { case int, double, text }

/// A stored table: its columns in insertion order and the order that reads it back.
struct TableSpec: Sendable {
    var name: String
    var columns: [(name: String, type: ColumnType, nullable: Bool)]
    var orderBy: String

    var columnList: String { columns.map(\.name).joined(separator: ", ") }

    /// `INSERT INTO name (columns) VALUES (?, …)`.
    var insertSQL: String {
        "INSERT INTO \(name) (\(columnList)) VALUES (\(Array(repeating: "?", count: columns.count).joined(separator: ", ")))"
    }
}

/// How a ``Book`` maps to rows and back (the same for both backends).
enum BookTables {
    static let market = TableSpec(
        name: "market",
        columns: [
            ("id", .int, false), ("as_of", .text, false), ("quote", .text, false), ("insurance_fund", .double, false),
            ("model", .text, false), ("warn", .double, false), ("danger", .double, false),
            ("so_im_base", .double, false), ("so_im_floor", .double, false), ("so_mm", .double, false),
            ("pf_extreme_multiple", .double, false), ("pf_extreme_cover", .double, false), ("pf_somc", .double, false),
            ("pf_im_multiplier", .double, false), ("es_horizon_days", .double, false),
            ("es_im_multiplier", .double, false),
            ("vol_factor_max", .double, false), ("stale_after_seconds", .double, false), ("has_history", .int, false),
        ], orderBy: "id")
    static let assets = TableSpec(
        name: "assets",
        columns: [
            ("ord", .int, false), ("name", .text, false), ("price", .double, true), ("stable", .int, false),
            ("haircut", .double, false), ("borrow_add_on", .double, false), ("vol", .double, true),
            ("scan_range", .double, true), ("vol_scan_range", .double, true),
        ], orderBy: "ord")
    static let venues = TableSpec(
        name: "venues",
        columns: [
            ("ord", .int, false), ("name", .text, false), ("haircut_add_on", .double, false),
            ("transfer_latency_seconds", .double, true),
        ], orderBy: "ord")
    static let instruments = TableSpec(
        name: "instruments",
        columns: [
            ("ord", .int, false), ("name", .text, false), ("kind", .text, false), ("underlying", .text, false),
            ("contract_size", .double, false), ("mark", .double, true), ("expiry", .text, true),
            ("option_right", .text, true), ("strike", .double, true), ("iv", .double, true),
        ], orderBy: "ord")
    static let brackets = TableSpec(
        name: "brackets",
        columns: [
            ("instrument_ord", .int, false), ("ord", .int, false), ("up_to", .double, true), ("imf", .double, false),
            ("mmf", .double, false),
        ], orderBy: "instrument_ord, ord")
    static let historyDates = TableSpec(
        name: "history_dates", columns: [("ord", .int, false), ("date", .text, false)],
        orderBy: "ord")
    static let historySeries = TableSpec(
        name: "history_series", columns: [("ord", .int, false), ("asset", .text, false)],
        orderBy: "ord")
    static let historyReturns = TableSpec(
        name: "history_returns",
        columns: [
            ("series_ord", .int, false), ("day_ord", .int, false), ("value", .double, false),
        ], orderBy: "series_ord, day_ord")
    static let accounts = TableSpec(
        name: "accounts",
        columns: [
            ("pk", .int, false), ("id", .text, false), ("name", .text, true), ("model", .text, true),
        ], orderBy: "pk")
    static let subaccounts = TableSpec(
        name: "subaccounts",
        columns: [
            ("account_pk", .int, false), ("ord", .int, false), ("id", .text, false),
        ], orderBy: "account_pk, ord")
    static let collateral = TableSpec(
        name: "collateral",
        columns: [
            ("account_pk", .int, false), ("sub_ord", .int, false), ("ord", .int, false), ("asset", .text, false),
            ("amount", .double, false), ("venue", .text, true),
        ], orderBy: "account_pk, sub_ord, ord")
    static let positions = TableSpec(
        name: "positions",
        columns: [
            ("account_pk", .int, false), ("sub_ord", .int, false), ("ord", .int, false), ("instrument", .text, false),
            ("quantity", .double, false), ("entry_price", .double, false), ("isolated_collateral", .double, true),
        ], orderBy: "account_pk, sub_ord, ord")

    static let marketSide = [
        market, assets, venues, instruments, brackets, historyDates, historySeries, historyReturns,
    ]
    static let accountSide = [accounts, subaccounts, collateral, positions]
    /// Deletion order: children first.
    static let deleteOrder = [
        positions, collateral, subaccounts, accounts, historyReturns, historySeries,
        historyDates, brackets, instruments, venues, assets, market,
    ]

    // MARK: - Book → rows

    static func emitMarket(_ b: Book, _ emit: (TableSpec, [SQLValue]) throws -> Void) rethrows {
        let d = b.defaults
        try emit(
            market,
            [
                .int(1), .text(b.asOf.text), .text(b.quote), .double(b.insuranceFund), .text(d.model.rawValue),
                .double(d.warn), .double(d.danger), .double(d.shortOption.imBase), .double(d.shortOption.imFloor),
                .double(d.shortOption.mm), .double(d.portfolio.extremeMultiple), .double(d.portfolio.extremeCover),
                .double(d.portfolio.somc), .double(d.portfolio.imMultiplier), .double(d.es.horizonDays),
                .double(d.es.imMultiplier), .double(d.volFactorMax), .double(d.staleAfterSeconds),
                SQLValue(b.history != nil),
            ])
        for (i, a) in b.assets.enumerated() {
            try emit(
                assets,
                [
                    SQLValue(i), .text(a.name), SQLValue(a.price), SQLValue(a.stable), .double(a.haircut),
                    .double(a.borrowAddOn), SQLValue(a.vol), SQLValue(a.scanRange), SQLValue(a.volScanRange),
                ])
        }
        for (i, v) in b.venues.enumerated() {
            try emit(venues, [SQLValue(i), .text(v.name), .double(v.haircutAddOn), SQLValue(v.transferLatencySeconds)])
        }
        for (i, x) in b.instruments.enumerated() {
            try emit(
                instruments,
                [
                    SQLValue(i), .text(x.name), .text(x.kind.rawValue), .text(x.underlying),
                    .double(x.contractSize), SQLValue(x.mark), SQLValue(x.expiry?.text),
                    SQLValue(x.right?.rawValue), SQLValue(x.strike), SQLValue(x.iv),
                ])
            for (k, br) in x.brackets.enumerated() {
                try emit(brackets, [SQLValue(i), SQLValue(k), SQLValue(br.upTo), .double(br.imf), .double(br.mmf)])
            }
        }
        if let h = b.history {
            for (i, date) in h.dates.enumerated() { try emit(historyDates, [SQLValue(i), .text(date)]) }
            for (s, series) in h.returns.enumerated() {
                try emit(historySeries, [SQLValue(s), .text(series.asset)])
                for (k, v) in series.values.enumerated() {
                    try emit(historyReturns, [SQLValue(s), SQLValue(k), .double(v)])
                }
            }
        }
    }

    static func emitAccount(_ a: Account, pk: Int64, _ emit: (TableSpec, [SQLValue]) throws -> Void) rethrows {
        try emit(accounts, [.int(pk), .text(a.id), SQLValue(a.name), SQLValue(a.model?.rawValue)])
        for (s, sub) in a.subaccounts.enumerated() {
            try emit(subaccounts, [.int(pk), SQLValue(s), .text(sub.id)])
            for (k, c) in sub.collateral.enumerated() {
                try emit(
                    collateral,
                    [
                        .int(pk), SQLValue(s), SQLValue(k), .text(c.asset), .double(c.amount),
                        SQLValue(c.venue),
                    ])
            }
            for (k, p) in sub.positions.enumerated() {
                try emit(
                    positions,
                    [
                        .int(pk), SQLValue(s), SQLValue(k), .text(p.instrument), .double(p.quantity),
                        .double(p.entryPrice), SQLValue(p.isolatedCollateral),
                    ])
            }
        }
    }
}

/// Rebuilds a ``Book`` from rows read table by table in `orderBy` order.
struct BookAssembler {
    private(set) var book: Book?
    private var hasHistory = false
    private var dates: [String] = []
    private var series: [AssetReturns] = []
    var accounts: [Account] = []
    private var accountIndex: [Int64: Int] = [:]

    static func corrupt(_ table: String, _ what: String) -> StoreError {
        .database("stored \(table) row is damaged: \(what)")
    }

    mutating func add(_ t: TableSpec, _ r: [SQLValue]) throws(StoreError) {
        func d(_ i: Int) throws(StoreError) -> Double {
            guard let x = r[i].double else { throw BookAssembler.corrupt(t.name, t.columns[i].name) }
            return x
        }
        func s(_ i: Int) throws(StoreError) -> String {
            guard let x = r[i].text else { throw BookAssembler.corrupt(t.name, t.columns[i].name) }
            return x
        }
        func n(_ i: Int) throws(StoreError) -> Int64 {
            guard let x = r[i].int else { throw BookAssembler.corrupt(t.name, t.columns[i].name) }
            return x
        }
        func od(_ i: Int) -> Double? { r[i].double }
        func os(_ i: Int) -> String? { r[i].text }

        switch t.name {
        case "market":
            guard let asOf = Timestamp.parse(try s(1)) else { throw BookAssembler.corrupt(t.name, "as_of") }
            var b = Book(asOf: asOf)
            b.quote = try s(2)
            b.insuranceFund = try d(3)
            guard let model = MarginModel(rawValue: try s(4)) else { throw BookAssembler.corrupt(t.name, "model") }
            b.defaults.model = model
            b.defaults.warn = try d(5)
            b.defaults.danger = try d(6)
            b.defaults.shortOption.imBase = try d(7)
            b.defaults.shortOption.imFloor = try d(8)
            b.defaults.shortOption.mm = try d(9)
            b.defaults.portfolio.extremeMultiple = try d(10)
            b.defaults.portfolio.extremeCover = try d(11)
            b.defaults.portfolio.somc = try d(12)
            b.defaults.portfolio.imMultiplier = try d(13)
            b.defaults.es.horizonDays = try d(14)
            b.defaults.es.imMultiplier = try d(15)
            b.defaults.volFactorMax = try d(16)
            b.defaults.staleAfterSeconds = try d(17)
            hasHistory = try n(18) != 0
            book = b
        case "assets":
            book?.assets.append(
                Asset(
                    name: try s(1), price: od(2), stable: try n(3) != 0, haircut: try d(4),
                    borrowAddOn: try d(5), vol: od(6), scanRange: od(7), volScanRange: od(8)))
        case "venues":
            book?.venues.append(Venue(name: try s(1), haircutAddOn: try d(2), transferLatencySeconds: od(3)))
        case "instruments":
            guard let kind = InstrumentKind(rawValue: try s(2)) else { throw BookAssembler.corrupt(t.name, "kind") }
            var expiry: Timestamp?
            if let e = os(6) {
                guard let ts = Timestamp.parse(e) else { throw BookAssembler.corrupt(t.name, "expiry") }
                expiry = ts
            }
            book?.instruments.append(
                Instrument(
                    name: try s(1), kind: kind, underlying: try s(3), contractSize: try d(4), mark: od(5),
                    expiry: expiry,
                    right: os(7).flatMap(OptionRight.init(rawValue:)), strike: od(8), iv: od(9)))
        case "brackets":
            let i = Int(try n(0))
            guard let count = book?.instruments.count, i >= 0, i < count else {
                throw BookAssembler.corrupt(t.name, "instrument_ord")
            }
            book?.instruments[i].brackets.append(Bracket(upTo: od(2), imf: try d(3), mmf: try d(4)))
        case "history_dates":
            dates.append(try s(1))
        case "history_series":
            series.append(AssetReturns(asset: try s(1), values: []))
        case "history_returns":
            let i = Int(try n(0))
            guard i >= 0, i < series.count else { throw BookAssembler.corrupt(t.name, "series_ord") }
            series[i].values.append(try d(2))
        case "accounts":
            let pk = try n(0)
            var model: MarginModel?
            if let m = os(3) {
                guard let mm = MarginModel(rawValue: m) else { throw BookAssembler.corrupt(t.name, "model") }
                model = mm
            }
            accountIndex[pk] = accounts.count
            accounts.append(Account(id: try s(1), name: os(2), model: model, subaccounts: []))
        case "subaccounts":
            guard let a = accountIndex[try n(0)] else { throw BookAssembler.corrupt(t.name, "account_pk") }
            accounts[a].subaccounts.append(SubAccount(id: try s(2)))
        case "collateral":
            let (a, sub) = try locate(t, r)
            accounts[a].subaccounts[sub].collateral.append(
                CollateralLine(asset: try s(3), amount: try d(4), venue: os(5)))
        case "positions":
            let (a, sub) = try locate(t, r)
            accounts[a].subaccounts[sub].positions.append(
                Position(instrument: try s(3), quantity: try d(4), entryPrice: try d(5), isolatedCollateral: od(6)))
        default:
            break
        }
    }

    private func locate(_ t: TableSpec, _ r: [SQLValue]) throws(StoreError) -> (Int, Int) {
        guard let pk = r[0].int, let a = accountIndex[pk], let s = r[1].int, s >= 0,
            Int(s) < accounts[a].subaccounts.count
        else {
            throw BookAssembler.corrupt(t.name, "account_pk/sub_ord")
        }
        return (a, Int(s))
    }

    /// The assembled book (`accounts` included), or an error when there is no market row.
    mutating func finish() throws(StoreError) -> Book {
        guard var b = book else { throw .database("the store holds no book yet: import one first") }
        if hasHistory { b.history = History(dates: dates, returns: series) }
        b.accounts = accounts
        return b
    }

    /// Only the accounts read (for a single-account load).
    var loadedAccounts: [Account] { accounts }
}
