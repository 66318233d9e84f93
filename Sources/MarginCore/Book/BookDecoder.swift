/// Decodes and strictly validates a `margintop.book/1` document.
///
/// Every rule of book-format.md is checked; the first violation is thrown as a
/// ``BookError`` naming its JSON path. Nothing is silently dropped or clamped.
public enum BookDecoder {
    /// Decodes a book from JSON text (bytes). `file` only decorates errors.
    ///
    /// Valid books are read in one pass straight into their structs (``BookStreamDecoder``);
    /// anything else is decoded again through a tree of values, which names the error.
    public static func decode(_ bytes: [UInt8], file: String? = nil) throws(BookError) -> Book {
        let result = bytes.withUnsafeBufferPointer { buffer in
            Result { () throws(BookError) -> Book in try decode(utf8: buffer, file: file) }
        }
        return try result.get()
    }

    /// ``decode(_:file:)-([UInt8],_)`` over a buffer.
    public static func decode(utf8 buffer: UnsafeBufferPointer<UInt8>, file: String? = nil) throws(BookError) -> Book {
        if let book = BookStreamDecoder.decode(buffer) { return book }
        return try decodeTree(utf8: buffer, file: file)
    }

    /// The decoder through a whole tree of ``JSONValue`` (the one that names every error): what
    /// ``decode(_:file:)-([UInt8],_)`` falls back to, and the reference its fast path is tested against.
    public static func decodeTree(utf8 bytes: UnsafeBufferPointer<UInt8>, file: String? = nil) throws(BookError)
        -> Book
    {
        let value: JSONValue
        do {
            value = try JSONParser.parse(utf8: bytes)
        } catch {
            throw BookError(
                file: file, path: error.path, message: error.message, line: error.line, column: error.column)
        }
        do {
            return try decode(value)
        } catch {
            var e = error
            e.file = file
            throw e
        }
    }

    public static func decode(_ text: String, file: String? = nil) throws(BookError) -> Book {
        try decode(Array(text.utf8), file: file)
    }

    /// Decodes a book from a parsed JSON value.
    public static func decode(_ root: JSONValue) throws(BookError) -> Book {
        let top = try Obj(root, "")
        try top.allow([
            "format", "asOf", "quote", "insuranceFund", "defaults", "assets", "venues", "instruments",
            "history", "accounts",
        ])
        let format = try top.string("format", required: true)
        guard format == Book.formatName else {
            throw BookError(
                path: "format", message: "unsupported format \"\(format ?? "")\", expected \"\(Book.formatName)\"")
        }
        let asOf = try top.timestamp("asOf", required: true)!
        var book = Book(asOf: asOf)
        if let q = try top.string("quote") {
            guard !q.isEmpty else { throw BookError(path: "quote", message: "must not be empty") }
            book.quote = q
        }
        book.insuranceFund = try top.number("insuranceFund", .nonNegative) ?? 0
        if let d = top.value("defaults") { book.defaults = try decodeDefaults(d, "defaults") }

        // Assets
        let assetsObj = try Obj(top.require("assets"), "assets")
        for (name, v) in assetsObj.members {
            let path = "assets" + JSONPath.key(name)
            try checkName(name, path)
            book.assets.append(try decodeAsset(name, v, path))
        }
        let assetNames = Set(book.assets.map(\.name))

        // Venues
        if let vv = top.value("venues") {
            let vo = try Obj(vv, "venues")
            for (name, v) in vo.members {
                let path = "venues" + JSONPath.key(name)
                try checkName(name, path)
                let o = try Obj(v, path)
                try o.allow(["haircutAddOn", "transferLatencySeconds"])
                book.venues.append(
                    Venue(
                        name: name, haircutAddOn: try o.number("haircutAddOn", .nonNegative) ?? 0,
                        transferLatencySeconds: try o.number("transferLatencySeconds", .nonNegative)))
            }
        }
        let venueNames = Set(book.venues.map(\.name))

        // Instruments
        let instObj = try Obj(top.require("instruments"), "instruments")
        var volByAsset: [String: Double?] = [:]
        for a in book.assets { volByAsset[a.name] = a.vol }
        for (name, v) in instObj.members {
            let path = "instruments" + JSONPath.key(name)
            try checkName(name, path)
            let inst = try decodeInstrument(name, v, path, assetNames: assetNames, volByAsset: volByAsset)
            try BookMagnitude.checkInstrument(
                inst, underlying: book.assets.first { $0.name == inst.underlying }, path: path,
                defaults: book.defaults)
            book.instruments.append(inst)
        }
        var instrumentNames = Set<String>()
        for i in book.instruments { instrumentNames.insert(i.name) }

        // History
        if let hv = top.value("history") { book.history = try decodeHistory(hv, assetNames: assetNames) }

        // Accounts
        guard case .array(let accounts) = try top.require("accounts") else {
            throw BookError(path: "accounts", message: "expected an array, found \(top.value("accounts")!.typeName)")
        }
        var ids = Set<String>()
        var magnitude = BookMagnitude(book)
        book.accounts.reserveCapacity(accounts.count)
        for (i, av) in accounts.enumerated() {
            let path = "accounts[\(i)]"
            let acct = try decodeAccount(av, path, assets: assetNames, venues: venueNames, instruments: instrumentNames)
            guard ids.insert(acct.id).inserted else {
                throw BookError(path: path + ".id", message: "duplicate account id \"\(acct.id)\"")
            }
            let model = acct.model ?? book.defaults.model
            if model == .es {
                guard let h = book.history, !h.dates.isEmpty else {
                    let p = acct.model == nil ? "defaults.model" : path + ".model"
                    throw BookError(
                        path: p,
                        message:
                            "account \"\(acct.id)\" uses the es model, which needs a non-empty history, and the book has none"
                    )
                }
            }
            let explicit = av["subaccounts"] != nil
            try magnitude.add(acct) { k in explicit ? path + ".subaccounts[\(k)]" : path }
            book.accounts.append(acct)
        }
        return book
    }

    // MARK: - Parts

    static func checkName(_ name: String, _ path: String) throws(BookError) {
        guard !name.isEmpty else { throw BookError(path: path, message: "names must not be empty") }
    }

    static func decodeDefaults(_ v: JSONValue, _ path: String) throws(BookError) -> BookDefaults {
        let o = try Obj(v, path)
        try o.allow(["model", "warn", "danger", "shortOption", "portfolio", "es", "volFactorMax", "staleAfterSeconds"])
        var d = BookDefaults()
        if let m = try o.model("model") { d.model = m }
        d.warn = try o.number("warn", .finite) ?? d.warn
        d.danger = try o.number("danger", .finite) ?? d.danger
        if let sv = o.value("shortOption") {
            let so = try Obj(sv, path + ".shortOption")
            try so.allow(["imBase", "imFloor", "mm"])
            d.shortOption.imBase = try so.number("imBase", .nonNegative) ?? d.shortOption.imBase
            d.shortOption.imFloor = try so.number("imFloor", .nonNegative) ?? d.shortOption.imFloor
            d.shortOption.mm = try so.number("mm", .nonNegative) ?? d.shortOption.mm
        }
        if let pv = o.value("portfolio") {
            let po = try Obj(pv, path + ".portfolio")
            try po.allow(["extremeMultiple", "extremeCover", "somc", "imMultiplier"])
            d.portfolio.extremeMultiple = try po.number("extremeMultiple", .nonNegative) ?? d.portfolio.extremeMultiple
            d.portfolio.extremeCover = try po.number("extremeCover", .nonNegative) ?? d.portfolio.extremeCover
            d.portfolio.somc = try po.number("somc", .nonNegative) ?? d.portfolio.somc
            d.portfolio.imMultiplier = try po.number("imMultiplier", .nonNegative) ?? d.portfolio.imMultiplier
        }
        if let ev = o.value("es") {
            let eo = try Obj(ev, path + ".es")
            try eo.allow(["horizonDays", "imMultiplier"])
            d.es.horizonDays = try eo.number("horizonDays", .nonNegative) ?? d.es.horizonDays
            d.es.imMultiplier = try eo.number("imMultiplier", .nonNegative) ?? d.es.imMultiplier
        }
        d.volFactorMax = try o.number("volFactorMax", .positive) ?? d.volFactorMax
        d.staleAfterSeconds = try o.number("staleAfterSeconds", .positive) ?? d.staleAfterSeconds
        return d
    }

    static func decodeAsset(_ name: String, _ v: JSONValue, _ path: String) throws(BookError) -> Asset {
        let o = try Obj(v, path)
        try o.allow(["price", "stable", "haircut", "borrowAddOn", "vol", "scanRange", "volScanRange"])
        let stable = try o.bool("stable") ?? false
        let price = try o.number("price", .positive)
        if price == nil && !stable {
            throw BookError(
                path: path + ".price", message: "required key is missing (only a stable asset may omit its price)")
        }
        return Asset(
            name: name, price: price, stable: stable,
            haircut: try o.number("haircut", .unit) ?? 0,
            borrowAddOn: try o.number("borrowAddOn", .nonNegative) ?? 0,
            vol: try o.number("vol", .nonNegative),
            scanRange: try o.number("scanRange", .nonNegative),
            volScanRange: try o.number("volScanRange", .nonNegative))
    }

    static func decodeInstrument(
        _ name: String, _ v: JSONValue, _ path: String, assetNames: Set<String>,
        volByAsset: [String: Double?]
    ) throws(BookError) -> Instrument {
        let o = try Obj(v, path)
        guard let kindText = try o.string("kind", required: true), let kind = InstrumentKind(rawValue: kindText) else {
            let found = (try? o.string("kind")) ?? nil
            throw BookError(
                path: path + ".kind",
                message: "unknown instrument kind \"\(found ?? "")\" (expected perpetual, future or option)")
        }
        switch kind {
        case .perpetual: try o.allow(["kind", "underlying", "contractSize", "mark", "brackets"])
        case .future: try o.allow(["kind", "underlying", "contractSize", "mark", "brackets", "expiry"])
        case .option: try o.allow(["kind", "underlying", "contractSize", "right", "strike", "expiry", "iv"])
        }
        let underlying = try o.string("underlying", required: true)!
        guard assetNames.contains(underlying) else {
            throw BookError(path: path + ".underlying", message: "unknown asset \"\(underlying)\"")
        }
        var inst = Instrument(name: name, kind: kind, underlying: underlying)
        inst.contractSize = try o.number("contractSize", .positive) ?? 1
        switch kind {
        case .perpetual, .future:
            inst.mark = try o.number("mark", .positive)
            if kind == .future { inst.expiry = try o.timestamp("expiry", required: true) }
            guard case .array(let items) = try o.require("brackets") else {
                throw BookError(
                    path: path + ".brackets", message: "expected an array, found \(o.value("brackets")!.typeName)")
            }
            guard !items.isEmpty else {
                throw BookError(
                    path: path + ".brackets", message: "needs at least one bracket (the last with upTo null)")
            }
            var previous = 0.0
            for (k, item) in items.enumerated() {
                let bp = path + ".brackets[\(k)]"
                let bo = try Obj(item, bp)
                try bo.allow(["upTo", "imf", "mmf"])
                let isLast = k == items.count - 1
                var upTo: Double?
                switch try bo.require("upTo") {
                case .null:
                    guard isLast else {
                        throw BookError(path: bp + ".upTo", message: "only the last bracket may have upTo null")
                    }
                default:
                    guard isLast == false else {
                        throw BookError(
                            path: bp + ".upTo", message: "the last bracket must have upTo null (it is open)")
                    }
                    let u = try bo.number("upTo", .positive)!
                    guard u > previous else {
                        throw BookError(
                            path: bp + ".upTo",
                            message:
                                "brackets must be ordered by strictly increasing upTo (\(fmt(u)) after \(fmt(previous)))"
                        )
                    }
                    previous = u
                    upTo = u
                }
                inst.brackets.append(
                    Bracket(
                        upTo: upTo, imf: try bo.number("imf", .nonNegative, required: true)!,
                        mmf: try bo.number("mmf", .nonNegative, required: true)!))
            }
        case .option:
            guard let rightText = try o.string("right", required: true), let right = OptionRight(rawValue: rightText)
            else {
                throw BookError(path: path + ".right", message: "expected \"call\" or \"put\"")
            }
            inst.right = right
            inst.strike = try o.number("strike", .positive, required: true)
            inst.expiry = try o.timestamp("expiry", required: true)
            inst.iv = try o.number("iv", .nonNegative)
            if inst.iv == nil, (volByAsset[underlying] ?? nil) == nil {
                throw BookError(
                    path: path + ".iv",
                    message:
                        "required key is missing: the option has no iv and its underlying \"\(underlying)\" has no vol")
            }
        }
        return inst
    }

    static func decodeHistory(_ v: JSONValue, assetNames: Set<String>) throws(BookError) -> History {
        let o = try Obj(v, "history")
        try o.allow(["dates", "returns"])
        guard case .array(let dv) = try o.require("dates") else {
            throw BookError(path: "history.dates", message: "expected an array, found \(o.value("dates")!.typeName)")
        }
        var dates: [String] = []
        for (i, d) in dv.enumerated() {
            guard case .string(let s) = d else {
                throw BookError(path: "history.dates[\(i)]", message: "expected a string, found \(d.typeName)")
            }
            guard Timestamp.isValidDate(s) else {
                throw BookError(path: "history.dates[\(i)]", message: "invalid date \"\(s)\" (expected YYYY-MM-DD)")
            }
            dates.append(s)
        }
        let ro = try Obj(o.require("returns"), "history.returns")
        var returns: [AssetReturns] = []
        for (asset, av) in ro.members {
            let path = "history.returns" + JSONPath.key(asset)
            guard assetNames.contains(asset) else { throw BookError(path: path, message: "unknown asset \"\(asset)\"") }
            guard case .array(let items) = av else {
                throw BookError(path: path, message: "expected an array, found \(av.typeName)")
            }
            guard items.count == dates.count else {
                throw BookError(path: path, message: "has \(items.count) returns but history.dates has \(dates.count)")
            }
            var values: [Double] = []
            values.reserveCapacity(items.count)
            for (i, item) in items.enumerated() {
                guard case .number(let x) = item else {
                    throw BookError(path: path + "[\(i)]", message: "expected a number, found \(item.typeName)")
                }
                values.append(x)
            }
            returns.append(AssetReturns(asset: asset, values: values))
        }
        return History(dates: dates, returns: returns)
    }

    static func decodeAccount(
        _ v: JSONValue, _ path: String, assets: Set<String>, venues: Set<String>,
        instruments: Set<String>
    ) throws(BookError) -> Account {
        let o = try Obj(v, path)
        try o.allow(["id", "name", "model", "subaccounts", "collateral", "positions"])
        let id = try o.string("id", required: true)!
        guard !id.isEmpty else { throw BookError(path: path + ".id", message: "must not be empty") }
        var acct = Account(id: id, name: try o.string("name"), model: try o.model("model"), subaccounts: [])
        if let sv = o.value("subaccounts") {
            if o.value("collateral") != nil || o.value("positions") != nil {
                let key = o.value("collateral") != nil ? "collateral" : "positions"
                throw BookError(
                    path: path + "." + key,
                    message: "an account gives either subaccounts or collateral/positions, not both")
            }
            guard case .array(let subs) = sv else {
                throw BookError(path: path + ".subaccounts", message: "expected an array, found \(sv.typeName)")
            }
            var subIds = Set<String>()
            for (k, s) in subs.enumerated() {
                let sp = path + ".subaccounts[\(k)]"
                let so = try Obj(s, sp)
                try so.allow(["id", "collateral", "positions"])
                let sid = try so.string("id", required: true)!
                guard !sid.isEmpty else { throw BookError(path: sp + ".id", message: "must not be empty") }
                guard subIds.insert(sid).inserted else {
                    throw BookError(
                        path: sp + ".id", message: "duplicate sub-account id \"\(sid)\" in account \"\(id)\"")
                }
                acct.subaccounts.append(
                    try decodeLines(so, sp, id: sid, assets: assets, venues: venues, instruments: instruments))
            }
        } else {
            acct.subaccounts = [
                try decodeLines(o, path, id: "main", assets: assets, venues: venues, instruments: instruments)
            ]
        }
        return acct
    }

    static func decodeLines(
        _ o: Obj, _ path: String, id: String, assets: Set<String>, venues: Set<String>,
        instruments: Set<String>
    ) throws(BookError) -> SubAccount {
        var sub = SubAccount(id: id)
        if let cv = o.value("collateral") {
            guard case .array(let lines) = cv else {
                throw BookError(path: path + ".collateral", message: "expected an array, found \(cv.typeName)")
            }
            for (i, l) in lines.enumerated() {
                let lp = path + ".collateral[\(i)]"
                let lo = try Obj(l, lp)
                try lo.allow(["asset", "amount", "venue"])
                let asset = try lo.string("asset", required: true)!
                guard assets.contains(asset) else {
                    throw BookError(path: lp + ".asset", message: "unknown asset \"\(asset)\"")
                }
                let venue = try lo.string("venue")
                if let venue, !venues.contains(venue) {
                    throw BookError(path: lp + ".venue", message: "unknown venue \"\(venue)\"")
                }
                sub.collateral.append(
                    CollateralLine(
                        asset: asset, amount: try lo.number("amount", .finite, required: true)!, venue: venue))
            }
        }
        if let pv = o.value("positions") {
            guard case .array(let lines) = pv else {
                throw BookError(path: path + ".positions", message: "expected an array, found \(pv.typeName)")
            }
            for (i, l) in lines.enumerated() {
                let lp = path + ".positions[\(i)]"
                let lo = try Obj(l, lp)
                try lo.allow(["instrument", "quantity", "entryPrice", "isolatedCollateral"])
                let inst = try lo.string("instrument", required: true)!
                guard instruments.contains(inst) else {
                    throw BookError(path: lp + ".instrument", message: "unknown instrument \"\(inst)\"")
                }
                sub.positions.append(
                    Position(
                        instrument: inst,
                        quantity: try lo.number("quantity", .finite, required: true)!,
                        entryPrice: try lo.number("entryPrice", .finite, required: true)!,
                        isolatedCollateral: try lo.number("isolatedCollateral", .nonNegative)))
            }
        }
        return sub
    }

    static func fmt(_ x: Double) -> String { JSONWriter.number(x) }
}

/// The allowed range of a number.
enum NumberRange {
    case finite, nonNegative, positive, unit

    func check(_ x: Double) -> String? {
        switch self {
        case .finite: return nil
        case .nonNegative: return x >= 0 ? nil : "must be >= 0, found \(JSONWriter.number(x))"
        case .positive: return x > 0 ? nil : "must be > 0, found \(JSONWriter.number(x))"
        case .unit: return x >= 0 && x <= 1 ? nil : "must be within [0, 1], found \(JSONWriter.number(x))"
        }
    }
}

/// An object being read, with its path, for typed and checked access.
struct Obj {
    let members: [(String, JSONValue)]
    let path: String

    init(_ v: JSONValue, _ path: String) throws(BookError) {
        guard case .object(let m) = v else {
            throw BookError(path: path, message: "expected an object, found \(v.typeName)")
        }
        members = m
        self.path = path
    }

    func keyPath(_ key: String) -> String { JSONPath.render([path, JSONPath.key(key)]) }

    func value(_ key: String) -> JSONValue? {
        for (k, v) in members where k == key { return v }
        return nil
    }

    func require(_ key: String) throws(BookError) -> JSONValue {
        guard let v = value(key) else { throw BookError(path: keyPath(key), message: "required key is missing") }
        return v
    }

    func allow(_ keys: Set<String>) throws(BookError) {
        for (k, _) in members where !keys.contains(k) {
            throw BookError(path: keyPath(k), message: "unknown key \"\(k)\"")
        }
    }

    func string(_ key: String, required: Bool = false) throws(BookError) -> String? {
        guard let v = value(key) else {
            if required { throw BookError(path: keyPath(key), message: "required key is missing") }
            return nil
        }
        guard case .string(let s) = v else {
            throw BookError(path: keyPath(key), message: "expected a string, found \(v.typeName)")
        }
        return s
    }

    func bool(_ key: String) throws(BookError) -> Bool? {
        guard let v = value(key) else { return nil }
        guard case .bool(let b) = v else {
            throw BookError(path: keyPath(key), message: "expected true or false, found \(v.typeName)")
        }
        return b
    }

    func number(_ key: String, _ range: NumberRange, required: Bool = false) throws(BookError) -> Double? {
        guard let v = value(key) else {
            if required { throw BookError(path: keyPath(key), message: "required key is missing") }
            return nil
        }
        guard case .number(let x) = v else {
            throw BookError(path: keyPath(key), message: "expected a number, found \(v.typeName)")
        }
        if let problem = range.check(x) { throw BookError(path: keyPath(key), message: problem) }
        return x
    }

    func timestamp(_ key: String, required: Bool = false) throws(BookError) -> Timestamp? {
        guard let s = try string(key, required: required) else { return nil }
        guard let t = Timestamp.parse(s) else {
            throw BookError(
                path: keyPath(key),
                message: "invalid timestamp \"\(s)\" (expected YYYY-MM-DDTHH:MM:SS[.frac] with Z or +HH:MM)")
        }
        return t
    }

    func model(_ key: String) throws(BookError) -> MarginModel? {
        guard let s = try string(key) else { return nil }
        guard let m = MarginModel(rawValue: s) else {
            throw BookError(path: keyPath(key), message: "unknown model \"\(s)\" (expected standard, portfolio or es)")
        }
        return m
    }
}
