import MarginCore

/// Milliseconds since the epoch, the form every timestamp is stored in (exact in both databases);
/// the domain holds seconds since the epoch, converted here at the SQL edge.
enum Millis {
    static func now() -> Int64 { Int64((SystemClock().now * 1000).rounded()) }
    static func seconds(_ ms: Int64) -> Double { Double(ms) / 1000 }
}

/// JSON payloads of audit entries.
enum AuditPayload {
    static func importBook(_ book: Book) -> String {
        JSONWriter(pretty: false).write(.object([
            ("asOf", .string(book.asOf.text)),
            ("accounts", .integer(book.accounts.count)),
            ("assets", .integer(book.assets.count)),
            ("instruments", .integer(book.instruments.count)),
        ]))
    }

    static func account(_ id: String, removed: Bool, account: Account? = nil) -> String {
        var members: [(String, JSONValue)] = [("account", .string(id)), ("removed", .bool(removed))]
        if let account {
            let subs = account.subaccounts
            members += [("subaccounts", .integer(subs.count)),
                        ("collateralLines", .integer(subs.reduce(0) { $0 + $1.collateral.count })),
                        ("positions", .integer(subs.reduce(0) { $0 + $1.positions.count }))]
        }
        return JSONWriter(pretty: false).write(.object(members))
    }

    static func review(id: Int64, account: String, from: ReviewStatus?, to: ReviewStatus, version: Int,
                       note: String?, metrics m: ReviewMetrics?) -> String {
        JSONWriter(pretty: false).write(.object([
            ("review", .integer(Int(id))),
            ("account", .string(account)),
            ("from", from.map { .string($0.rawValue) } ?? .null),
            ("to", .string(to.rawValue)),
            ("version", .integer(version)),
            ("note", note.map { .string($0) } ?? .null),
            ("metrics", m?.json ?? .null),
        ]))
    }
}

/// Checks that an account only names what the market holds (other systems'
/// writes bypass the book decoder).
enum AccountCheck {
    static func validate(_ account: Account, against market: Book) throws(StoreError) {
        let assets = Set(market.assets.map(\.name))
        let venues = Set(market.venues.map(\.name))
        let instruments = Set(market.instruments.map(\.name))
        let path = "accounts[\"\(account.id)\"]"
        var subIds = Set<String>()
        for (s, sub) in account.subaccounts.enumerated() {
            guard subIds.insert(sub.id).inserted else {
                throw .invalidBook(BookError(path: "\(path).subaccounts[\(s)].id", message: "duplicate sub-account id \"\(sub.id)\""))
            }
            for (c, line) in sub.collateral.enumerated() {
                guard assets.contains(line.asset) else {
                    throw .invalidBook(BookError(path: "\(path).subaccounts[\(s)].collateral[\(c)].asset",
                                                 message: "unknown asset \"\(line.asset)\""))
                }
                if let v = line.venue, !venues.contains(v) {
                    throw .invalidBook(BookError(path: "\(path).subaccounts[\(s)].collateral[\(c)].venue",
                                                 message: "unknown venue \"\(v)\""))
                }
                guard line.amount.isFinite else {
                    throw .invalidBook(BookError(path: "\(path).subaccounts[\(s)].collateral[\(c)].amount",
                                                 message: "not a finite number"))
                }
            }
            for (p, pos) in sub.positions.enumerated() {
                guard instruments.contains(pos.instrument) else {
                    throw .invalidBook(BookError(path: "\(path).subaccounts[\(s)].positions[\(p)].instrument",
                                                 message: "unknown instrument \"\(pos.instrument)\""))
                }
                guard pos.quantity.isFinite, pos.entryPrice.isFinite, (pos.isolatedCollateral ?? 0).isFinite else {
                    throw .invalidBook(BookError(path: "\(path).subaccounts[\(s)].positions[\(p)]",
                                                 message: "not a finite number"))
                }
            }
        }
    }

    /// Re-checks a whole book through the engine's strict codec before it is stored.
    static func validate(_ book: Book) throws(StoreError) {
        do {
            let decoded = try BookDecoder.decode(Array(BookEncoder.encode(book, pretty: false).utf8))
            _ = decoded
        } catch {
            throw .invalidBook(error)
        }
    }
}

/// Coalesces change-log rows into the changes a watcher reports.
struct ChangeLogRow: Sendable {
    var seq: Int64
    /// `account`, `market` or `reset`.
    var kind: String
    /// `added`, `changed`, `removed` for accounts.
    var op: String
    var accountId: String?
}

enum ChangeCoalescer {
    enum Item: Equatable {
        case market, reset
        case account(id: String, firstOp: String)
    }

    /// Distinct items in order of first appearance; a reset swallows everything before it.
    static func coalesce(_ rows: [ChangeLogRow]) -> [Item] {
        var items: [Item] = []
        var seenAccount: [String: Int] = [:]
        var market = false
        for r in rows {
            switch r.kind {
            case "reset":
                items = [.reset]; seenAccount = [:]; market = false
            case "market":
                if !market { market = true; items.append(.market) }
            default:
                guard let id = r.accountId else { continue }
                if seenAccount[id] == nil {
                    seenAccount[id] = items.count
                    items.append(.account(id: id, firstOp: r.op))
                }
            }
        }
        return items
    }
}

func describe(_ error: any Error) -> String {
    if let e = error as? StoreError { return e.description }
    return String(describing: error)
}
