import MarginCore

/// Where the account-side rows of a bulk import go, one typed field at a time (no value array
/// per row): a prepared SQLite statement's binds, or a PostgreSQL binary `COPY` buffer.
///
/// A row is `beginRow()`, one call per column of its ``TableSpec`` in order, then `endRow()`.
protocol AccountRowSink {
    mutating func beginRow()
    mutating func int(_ v: Int64)
    mutating func double(_ v: Double)
    mutating func double(_ v: Double?)
    mutating func text(_ v: String)
    mutating func text(_ v: String?)
    mutating func endRow() throws
}

/// The four account-side tables, parents first.
enum AccountTable: CaseIterable, Sendable {
    case accounts, subaccounts, collateral, positions

    var spec: TableSpec {
        switch self {
        case .accounts: return BookTables.accounts
        case .subaccounts: return BookTables.subaccounts
        case .collateral: return BookTables.collateral
        case .positions: return BookTables.positions
        }
    }
}

extension BookTables {
    /// Writes `table`'s rows of `accounts` into `sink`, each account keyed by its index in the book
    /// (the same columns and order as ``emitAccount(_:pk:_:)``).
    static func write<S: AccountRowSink>(
        _ table: AccountTable, of accounts: ArraySlice<Account>, into sink: inout S
    ) throws {
        for (index, a) in zip(accounts.indices, accounts) {
            let pk = Int64(index)
            switch table {
            case .accounts:
                sink.beginRow()
                sink.int(pk)
                sink.text(a.id)
                sink.text(a.name)
                sink.text(a.model?.rawValue)
                try sink.endRow()
            case .subaccounts:
                for (s, sub) in a.subaccounts.enumerated() {
                    sink.beginRow()
                    sink.int(pk)
                    sink.int(Int64(s))
                    sink.text(sub.id)
                    try sink.endRow()
                }
            case .collateral:
                for (s, sub) in a.subaccounts.enumerated() {
                    for (k, c) in sub.collateral.enumerated() {
                        sink.beginRow()
                        sink.int(pk)
                        sink.int(Int64(s))
                        sink.int(Int64(k))
                        sink.text(c.asset)
                        sink.double(c.amount)
                        sink.text(c.venue)
                        try sink.endRow()
                    }
                }
            case .positions:
                for (s, sub) in a.subaccounts.enumerated() {
                    for (k, p) in sub.positions.enumerated() {
                        sink.beginRow()
                        sink.int(pk)
                        sink.int(Int64(s))
                        sink.int(Int64(k))
                        sink.text(p.instrument)
                        sink.double(p.quantity)
                        sink.double(p.entryPrice)
                        sink.double(p.isolatedCollateral)
                        try sink.endRow()
                    }
                }
            }
        }
    }
}

/// Rebuilds the accounts from the account-side tables read in their stored order (each by
/// `account_pk`), typed columns in, no value array or dictionary per row: a child finds its
/// account by walking forward through the keys, as both are sorted.
struct AccountsBuilder {
    private(set) var accounts: [Account] = []
    private var keys: [Int64] = []
    /// The account the last child row belonged to (rows come sorted by key).
    private var cursor = 0

    init(capacity: Int = 0) {
        accounts.reserveCapacity(capacity)
        keys.reserveCapacity(capacity)
    }

    static func corrupt(_ table: AccountTable, _ column: String) -> StoreError {
        BookAssembler.corrupt(table.spec.name, column)
    }

    mutating func addAccount(pk: Int64, id: String, name: String?, model: String?) throws(StoreError) {
        var m: MarginModel?
        if let model {
            guard let mm = MarginModel(rawValue: model) else { throw Self.corrupt(.accounts, "model") }
            m = mm
        }
        if let last = keys.last, pk <= last { throw Self.corrupt(.accounts, "pk") }
        keys.append(pk)
        accounts.append(Account(id: id, name: name, model: m, subaccounts: []))
    }

    /// Moves to the account keyed `pk` (the table's rows come in key order).
    private mutating func seek(_ pk: Int64, _ table: AccountTable) throws(StoreError) -> Int {
        if cursor < keys.count, keys[cursor] == pk { return cursor }
        if cursor >= keys.count || keys[cursor] > pk { cursor = 0 }
        while cursor < keys.count, keys[cursor] < pk { cursor += 1 }
        guard cursor < keys.count, keys[cursor] == pk else { throw Self.corrupt(table, "account_pk") }
        return cursor
    }

    /// Starts a table's rows: children are read from the first account again.
    mutating func rewind() { cursor = 0 }

    mutating func addSubaccount(pk: Int64, id: String) throws(StoreError) {
        let a = try seek(pk, .subaccounts)
        accounts[a].subaccounts.append(SubAccount(id: id))
    }

    private mutating func locate(_ pk: Int64, _ sub: Int64, _ table: AccountTable) throws(StoreError) -> (Int, Int) {
        let a = try seek(pk, table)
        guard sub >= 0, sub < accounts[a].subaccounts.count else { throw Self.corrupt(table, "account_pk/sub_ord") }
        return (a, Int(sub))
    }

    mutating func addCollateral(pk: Int64, sub: Int64, _ line: CollateralLine) throws(StoreError) {
        let (a, s) = try locate(pk, sub, .collateral)
        accounts[a].subaccounts[s].collateral.append(line)
    }

    mutating func addPosition(pk: Int64, sub: Int64, _ position: Position) throws(StoreError) {
        let (a, s) = try locate(pk, sub, .positions)
        accounts[a].subaccounts[s].positions.append(position)
    }
}
