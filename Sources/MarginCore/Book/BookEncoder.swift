/// Encodes a ``Book`` as a `margintop.book/1` document.
///
/// Defaults are written out in full, so the output states every parameter the
/// numbers rest on; decoding the output gives the same book.
public enum BookEncoder {
    public static func encode(_ book: Book, pretty: Bool = true) -> String {
        guard !pretty else { return JSONWriter(pretty: true).write(json(book)) + "\n" }
        // Compact: the header through the tree, the accounts (the bulk of a big book) written
        // straight, in the same bytes the tree gives.
        var out = JSONWriter(pretty: false).write(.object(header(book)))
        out.removeLast()
        out += ",\"accounts\":["
        for (i, a) in book.accounts.enumerated() {
            if i > 0 { out += "," }
            writeCompact(a, into: &out)
        }
        out += "]}\n"
        return out
    }

    public static func json(_ book: Book) -> JSONValue {
        .object(header(book) + [("accounts", .array(book.accounts.map(account)))])
    }

    /// The document's members before `accounts`.
    static func header(_ book: Book) -> [(String, JSONValue)] {
        var top: [(String, JSONValue)] = [
            ("format", .string(Book.formatName)),
            ("asOf", .string(book.asOf.text)),
            ("quote", .string(book.quote)),
            ("insuranceFund", .number(book.insuranceFund)),
            ("defaults", defaults(book.defaults)),
            ("assets", .object(book.assets.map { ($0.name, asset($0)) })),
            (
                "venues",
                .object(
                    book.venues.map { v in
                        var o: [(String, JSONValue)] = [("haircutAddOn", .number(v.haircutAddOn))]
                        if let t = v.transferLatencySeconds { o.append(("transferLatencySeconds", .number(t))) }
                        return (v.name, .object(o))
                    })
            ),
            ("instruments", .object(book.instruments.map { ($0.name, instrument($0)) })),
        ]
        if let h = book.history {
            top.append(
                (
                    "history",
                    .object([
                        ("dates", .array(h.dates.map { .string($0) })),
                        ("returns", .object(h.returns.map { ($0.asset, .array($0.values.map { .number($0) })) })),
                    ])
                ))
        }
        return top
    }

    /// ``account(_:)`` written compact into `out`, without building its tree.
    static func writeCompact(_ a: Account, into out: inout String) {
        out += "{\"id\":"
        JSONWriter.quote(a.id, into: &out)
        if let n = a.name {
            out += ",\"name\":"
            JSONWriter.quote(n, into: &out)
        }
        if let m = a.model {
            out += ",\"model\":"
            JSONWriter.quote(m.rawValue, into: &out)
        }
        if a.subaccounts.count == 1, a.subaccounts[0].id == "main" {
            out += ","
            writeCompactLines(a.subaccounts[0], into: &out)
        } else {
            out += ",\"subaccounts\":["
            for (i, sub) in a.subaccounts.enumerated() {
                if i > 0 { out += "," }
                out += "{\"id\":"
                JSONWriter.quote(sub.id, into: &out)
                out += ","
                writeCompactLines(sub, into: &out)
                out += "}"
            }
            out += "]"
        }
        out += "}"
    }

    static func writeCompactLines(_ s: SubAccount, into out: inout String) {
        out += "\"collateral\":["
        for (i, c) in s.collateral.enumerated() {
            out += i > 0 ? ",{\"asset\":" : "{\"asset\":"
            JSONWriter.quote(c.asset, into: &out)
            out += ",\"amount\":"
            out += JSONWriter.number(c.amount)
            if let v = c.venue {
                out += ",\"venue\":"
                JSONWriter.quote(v, into: &out)
            }
            out += "}"
        }
        out += "],\"positions\":["
        for (i, p) in s.positions.enumerated() {
            out += i > 0 ? ",{\"instrument\":" : "{\"instrument\":"
            JSONWriter.quote(p.instrument, into: &out)
            out += ",\"quantity\":"
            out += JSONWriter.number(p.quantity)
            out += ",\"entryPrice\":"
            out += JSONWriter.number(p.entryPrice)
            if let c = p.isolatedCollateral {
                out += ",\"isolatedCollateral\":"
                out += JSONWriter.number(c)
            }
            out += "}"
        }
        out += "]"
    }

    static func defaults(_ d: BookDefaults) -> JSONValue {
        .object([
            ("model", .string(d.model.rawValue)),
            ("warn", .number(d.warn)),
            ("danger", .number(d.danger)),
            (
                "shortOption",
                .object([
                    ("imBase", .number(d.shortOption.imBase)),
                    ("imFloor", .number(d.shortOption.imFloor)),
                    ("mm", .number(d.shortOption.mm)),
                ])
            ),
            (
                "portfolio",
                .object([
                    ("extremeMultiple", .number(d.portfolio.extremeMultiple)),
                    ("extremeCover", .number(d.portfolio.extremeCover)),
                    ("somc", .number(d.portfolio.somc)),
                    ("imMultiplier", .number(d.portfolio.imMultiplier)),
                ])
            ),
            (
                "es",
                .object([("horizonDays", .number(d.es.horizonDays)), ("imMultiplier", .number(d.es.imMultiplier))])
            ),
            ("volFactorMax", .number(d.volFactorMax)),
            ("staleAfterSeconds", .number(d.staleAfterSeconds)),
        ])
    }

    static func asset(_ a: Asset) -> JSONValue {
        var o: [(String, JSONValue)] = []
        if let p = a.price { o.append(("price", .number(p))) }
        if a.stable { o.append(("stable", .bool(true))) }
        o.append(("haircut", .number(a.haircut)))
        o.append(("borrowAddOn", .number(a.borrowAddOn)))
        if let v = a.vol { o.append(("vol", .number(v))) }
        if let s = a.scanRange { o.append(("scanRange", .number(s))) }
        if let v = a.volScanRange { o.append(("volScanRange", .number(v))) }
        return .object(o)
    }

    static func instrument(_ i: Instrument) -> JSONValue {
        var o: [(String, JSONValue)] = [
            ("kind", .string(i.kind.rawValue)), ("underlying", .string(i.underlying)),
            ("contractSize", .number(i.contractSize)),
        ]
        switch i.kind {
        case .perpetual, .future:
            if let m = i.mark { o.append(("mark", .number(m))) }
            if let e = i.expiry { o.append(("expiry", .string(e.text))) }
            o.append(
                (
                    "brackets",
                    .array(
                        i.brackets.map { b in
                            .object([
                                ("upTo", b.upTo.map { .number($0) } ?? .null), ("imf", .number(b.imf)),
                                ("mmf", .number(b.mmf)),
                            ])
                        })
                ))
        case .option:
            if let r = i.right { o.append(("right", .string(r.rawValue))) }
            if let k = i.strike { o.append(("strike", .number(k))) }
            if let e = i.expiry { o.append(("expiry", .string(e.text))) }
            if let v = i.iv { o.append(("iv", .number(v))) }
        }
        return .object(o)
    }

    static func account(_ a: Account) -> JSONValue {
        var o: [(String, JSONValue)] = [("id", .string(a.id))]
        if let n = a.name { o.append(("name", .string(n))) }
        if let m = a.model { o.append(("model", .string(m.rawValue))) }
        if a.subaccounts.count == 1, a.subaccounts[0].id == "main" {
            o.append(contentsOf: lines(a.subaccounts[0]))
        } else {
            o.append(("subaccounts", .array(a.subaccounts.map { s in .object([("id", .string(s.id))] + lines(s)) })))
        }
        return .object(o)
    }

    static func lines(_ s: SubAccount) -> [(String, JSONValue)] {
        [
            (
                "collateral",
                .array(
                    s.collateral.map { c in
                        var o: [(String, JSONValue)] = [("asset", .string(c.asset)), ("amount", .number(c.amount))]
                        if let v = c.venue { o.append(("venue", .string(v))) }
                        return .object(o)
                    })
            ),
            (
                "positions",
                .array(
                    s.positions.map { p in
                        var o: [(String, JSONValue)] = [
                            ("instrument", .string(p.instrument)), ("quantity", .number(p.quantity)),
                            ("entryPrice", .number(p.entryPrice)),
                        ]
                        if let c = p.isolatedCollateral { o.append(("isolatedCollateral", .number(c))) }
                        return .object(o)
                    })
            ),
        ]
    }
}
