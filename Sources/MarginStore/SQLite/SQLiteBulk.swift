import GRDB
import GRDBSQLite
import MarginCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A statement prepared through the SQLite C API on a GRDB connection, for the bulk import and
/// the columnar load: binds and column reads go straight to SQLite (no `StatementArguments`,
/// no `Row`). Finalized on deinit; used only inside the GRDB access that made it.
final class SQLiteRawStatement {
    let connection: OpaquePointer
    let handle: OpaquePointer
    let sql: String

    /// SQLite copies bound text before the call returns.
    static let transient = unsafeBitCast(OpaquePointer(bitPattern: -1), to: sqlite3_destructor_type.self)

    init(_ db: Database, _ sql: String) throws {
        guard let connection = db.sqliteConnection else { throw DatabaseError(message: "connection closed", sql: sql) }
        var handle: OpaquePointer?
        let rc = sqlite3_prepare_v2(connection, sql, -1, &handle, nil)
        guard rc == SQLITE_OK, let handle else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
        }
        self.connection = connection
        self.handle = handle
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    func error(_ rc: Int32) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: rc), message: String(cString: sqlite3_errmsg(connection)), sql: sql)
    }

    /// Runs the bound statement to its end (an insert), then readies it for the next binds.
    func run() throws {
        let rc = sqlite3_step(handle)
        sqlite3_reset(handle)
        guard rc == SQLITE_DONE else { throw error(rc) }
    }

    /// The next row of a query: `true` while there is one.
    func next() throws -> Bool {
        let rc = sqlite3_step(handle)
        if rc == SQLITE_ROW { return true }
        guard rc == SQLITE_DONE else { throw error(rc) }
        return false
    }

    func bind(_ i: Int32, _ v: Int64) -> Int32 { sqlite3_bind_int64(handle, i, v) }
    func bind(_ i: Int32, _ v: Double) -> Int32 { sqlite3_bind_double(handle, i, v) }
    func bindNull(_ i: Int32) -> Int32 { sqlite3_bind_null(handle, i) }
    func bind(_ i: Int32, _ v: String) -> Int32 {
        var s = v
        return s.withUTF8 { p in
            // An empty buffer may have no address, and a NULL pointer would bind NULL, not "".
            guard let base = p.baseAddress, p.count > 0 else {
                return sqlite3_bind_text(handle, i, "", 0, SQLiteRawStatement.transient)
            }
            return base.withMemoryRebound(to: CChar.self, capacity: p.count) {
                sqlite3_bind_text(handle, i, $0, Int32(p.count), SQLiteRawStatement.transient)
            }
        }
    }

    // Column reads of the current row (0-based).
    func isNull(_ i: Int32) -> Bool { sqlite3_column_type(handle, i) == SQLITE_NULL }
    func type(_ i: Int32) -> Int32 { sqlite3_column_type(handle, i) }
    func int(_ i: Int32) -> Int64 { sqlite3_column_int64(handle, i) }
    func double(_ i: Int32) -> Double { sqlite3_column_double(handle, i) }
    func text(_ i: Int32) -> String {
        guard let p = sqlite3_column_text(handle, i) else { return "" }
        let n = Int(sqlite3_column_bytes(handle, i))
        return String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
    }
}

/// An ``AccountRowSink`` binding each field into a prepared `INSERT` of ``rowsPerBatch`` rows,
/// run each time that many are bound (one statement run, one b-tree cursor opened and closed,
/// per batch instead of per row); the last rows, fewer than a batch, through a one-row `INSERT`.
/// The table's row count is known before (``rows``), so a row is bound straight into the
/// statement that will run it.
struct SQLiteRowSink: AccountRowSink {
    static let rowsPerBatch = 32
    let single: SQLiteRawStatement
    let batch: SQLiteRawStatement
    let columns: Int32
    /// Rows still to come, this one included.
    private var remaining: Int
    private var inBatch = 0
    private var batching = false
    private var column: Int32 = 1
    private var bindError: Int32 = SQLITE_OK

    init(_ db: Database, _ spec: TableSpec, rows: Int) throws {
        single = try SQLiteRawStatement(db, spec.insertSQL)
        let one = "(" + Array(repeating: "?", count: spec.columns.count).joined(separator: ", ") + ")"
        batch = try SQLiteRawStatement(
            db,
            "INSERT INTO \(spec.name) (\(spec.columnList)) VALUES "
                + Array(repeating: one, count: Self.rowsPerBatch).joined(separator: ", "))
        columns = Int32(spec.columns.count)
        remaining = rows
    }

    private var statement: SQLiteRawStatement { batching ? batch : single }

    private mutating func check(_ rc: Int32) {
        if rc != SQLITE_OK, bindError == SQLITE_OK { bindError = rc }
        column += 1
    }

    mutating func beginRow() {
        if inBatch == 0 { batching = remaining >= Self.rowsPerBatch }
        column = batching ? Int32(inBatch) * columns + 1 : 1
    }
    mutating func int(_ v: Int64) { check(statement.bind(column, v)) }
    mutating func double(_ v: Double) { check(statement.bind(column, v)) }
    mutating func double(_ v: Double?) {
        if let v { check(statement.bind(column, v)) } else { check(statement.bindNull(column)) }
    }
    mutating func text(_ v: String) { check(statement.bind(column, v)) }
    mutating func text(_ v: String?) {
        if let v { check(statement.bind(column, v)) } else { check(statement.bindNull(column)) }
    }
    mutating func endRow() throws {
        remaining -= 1
        if batching {
            inBatch += 1
            guard inBatch == Self.rowsPerBatch else { return }
            inBatch = 0
        }
        if bindError != SQLITE_OK {
            let rc = bindError
            bindError = SQLITE_OK
            sqlite3_reset(statement.handle)
            throw statement.error(rc)
        }
        try statement.run()
    }

    /// Rows of `table` in `accounts`.
    static func rows(_ table: AccountTable, _ accounts: [Account]) -> Int {
        switch table {
        case .accounts: return accounts.count
        case .subaccounts: return accounts.reduce(0) { $0 + $1.subaccounts.count }
        case .collateral: return accounts.reduce(0) { $0 + $1.subaccounts.reduce(0) { $0 + $1.collateral.count } }
        case .positions: return accounts.reduce(0) { $0 + $1.subaccounts.reduce(0) { $0 + $1.positions.count } }
        }
    }
}

extension SQLiteStore {
    /// Writes the book's account-side tables, each through its prepared statements, table by table.
    static func bulkInsertAccounts(_ db: Database, _ accounts: [Account]) throws {
        for table in AccountTable.allCases {
            var sink = try SQLiteRowSink(db, table.spec, rows: SQLiteRowSink.rows(table, accounts))
            try BookTables.write(table, of: accounts[...], into: &sink)
        }
    }

    /// Drops the change-log triggers of the account-side tables for the rest of the transaction
    /// and returns the statements that put them back (transactional DDL: a rollback restores them).
    static func dropAccountTriggers(_ db: Database) throws -> [String] {
        let tables = AccountTable.allCases.map { "'\($0.spec.name)'" }.joined(separator: ", ")
        let rows = try Row.fetchAll(
            db, sql: "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name IN (\(tables))")
        var restore: [String] = []
        for row in rows {
            let name: String = row[0]
            let sql: String = row[1]
            try db.execute(sql: "DROP TRIGGER \"\(name)\"")
            restore.append(sql)
        }
        return restore
    }

    /// The accounts whose key is in `keys`, the four account-side tables read side by side in
    /// key order (each a range scan of its primary key): an account's sub-accounts, collateral
    /// and positions are the rows that follow it in their tables, so each account is built whole,
    /// its arrays at their exact size, with no index of keys and no second pass. Asset, venue,
    /// instrument and sub-account names repeat: each distinct one is one `String` (``TextCache``).
    ///
    /// A damaged row gives the error the row reader gave: `stored TABLE row is damaged: COLUMN`
    /// (a wrong type; `account_pk` for a row of no account, `account_pk/sub_ord` for a line of no
    /// sub-account, `pk` for keys out of order, `model` for an unknown model).
    static func loadAccounts(_ db: Database, keys: ClosedRange<Int64> = Int64.min...Int64.max) throws -> [Account] {
        let count =
            try Int.fetchOne(
                db, sql: "SELECT count(*) FROM accounts WHERE pk BETWEEN ? AND ?",
                arguments: [keys.lowerBound, keys.upperBound]) ?? 0
        func query(_ t: AccountTable) throws -> AccountRows {
            let spec = t.spec
            let key = spec.columns[0].name
            let s = try SQLiteRawStatement(
                db,
                "SELECT \(spec.columnList) FROM \(spec.name) WHERE \(key) BETWEEN ?1 AND ?2 ORDER BY \(spec.orderBy)")
            guard s.bind(1, keys.lowerBound) == SQLITE_OK, s.bind(2, keys.upperBound) == SQLITE_OK else {
                throw s.error(sqlite3_errcode(s.connection))
            }
            var rows = AccountRows(s, t)
            if t != .accounts { try rows.step() }
            return rows
        }
        let accounts = try query(.accounts)
        var subaccounts = try query(.subaccounts)
        var collateral = try query(.collateral)
        var positions = try query(.positions)
        var names = TextCache()
        var out: [Account] = []
        out.reserveCapacity(count)
        var subs: [SubAccount] = []
        var lines: [CollateralLine] = []
        var held: [Position] = []
        var last: Int64?
        while try accounts.s.next() {
            let pk = try accounts.int(0)
            if let last, pk <= last { throw AccountsBuilder.corrupt(.accounts, "pk") }
            last = pk
            let id = try accounts.text(1)
            let name = accounts.optionalText(2)
            let model = try accounts.model(3)

            subs.removeAll(keepingCapacity: true)
            while try subaccounts.at(pk) {
                subs.append(SubAccount(id: try subaccounts.text(2, &names)))
                try subaccounts.step()
            }
            while try collateral.at(pk) {
                let sub = try collateral.sub(of: subs.count)
                lines.removeAll(keepingCapacity: true)
                repeat {
                    let venue = collateral.optionalText(5, &names)
                    lines.append(
                        CollateralLine(
                            asset: try collateral.text(3, &names), amount: try collateral.double(4), venue: venue))
                    try collateral.step()
                } while try collateral.at(pk, sub)
                subs[sub].collateral = exact(lines)
            }
            while try positions.at(pk) {
                let sub = try positions.sub(of: subs.count)
                held.removeAll(keepingCapacity: true)
                repeat {
                    let isolated = positions.optionalDouble(6)
                    held.append(
                        Position(
                            instrument: try positions.text(3, &names), quantity: try positions.double(4),
                            entryPrice: try positions.double(5), isolatedCollateral: isolated))
                    try positions.step()
                } while try positions.at(pk, sub)
                subs[sub].positions = exact(held)
            }
            out.append(Account(id: id, name: name, model: model, subaccounts: exact(subs)))
        }
        // Rows after the last account belong to none.
        for rows in [subaccounts, collateral, positions] where rows.has {
            throw AccountsBuilder.corrupt(rows.table, "account_pk")
        }
        return out
    }

    /// A new array of exactly `a`'s elements.
    @inline(__always) static func exact<T>(_ a: [T]) -> [T] {
        if a.count == 1 { return [a[0]] }
        var out: [T] = []
        out.reserveCapacity(a.count)
        out.append(contentsOf: a)
        return out
    }

    /// The key that splits the accounts into two halves of about equal count (the second half
    /// starts at it), or `nil` for fewer than `minimum` accounts.
    static func middleKey(_ db: Database, from minimum: Int) throws -> Int64? {
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM accounts") ?? 0
        guard count >= max(2, minimum) else { return nil }
        let mid = try Int64.fetchOne(
            db, sql: "SELECT pk FROM accounts ORDER BY pk LIMIT 1 OFFSET ?", arguments: [count / 2])
        guard let mid, mid > Int64.min else { return nil }
        return mid
    }
}

/// One account-side table's rows in key order, for ``SQLiteStore/loadAccounts(_:keys:)``: the
/// current row's account key (and sub-account) read once, columns type-checked as the row
/// reader checked them.
struct AccountRows {
    let s: SQLiteRawStatement
    let table: AccountTable
    private(set) var has = false
    private(set) var pk: Int64 = 0
    private(set) var sub: Int64 = 0

    init(_ s: SQLiteRawStatement, _ table: AccountTable) {
        self.s = s
        self.table = table
    }

    func corrupt(_ i: Int32) -> StoreError { AccountsBuilder.corrupt(table, table.spec.columns[Int(i)].name) }

    /// The next row (a child table's: its account key and sub-account read).
    @inline(__always) mutating func step() throws {
        has = try s.next()
        guard has else { return }
        pk = try int(0)
        if table == .collateral || table == .positions { sub = try int(1) }
    }

    /// Whether the current row is account `pk`'s; a row of an earlier key belongs to no account.
    @inline(__always) func at(_ pk: Int64) throws(StoreError) -> Bool {
        guard has, self.pk <= pk else { return false }
        guard self.pk == pk else { throw AccountsBuilder.corrupt(table, "account_pk") }
        return true
    }

    @inline(__always) func at(_ pk: Int64, _ sub: Int) throws(StoreError) -> Bool {
        try at(pk) && self.sub == Int64(sub)
    }

    /// The current line's sub-account index, which must be one of the account's `count`.
    @inline(__always) func sub(of count: Int) throws(StoreError) -> Int {
        guard sub >= 0, sub < Int64(count) else { throw AccountsBuilder.corrupt(table, "account_pk/sub_ord") }
        return Int(sub)
    }

    // Each column is one `sqlite3_column_value` (the API call that checks the row), then its
    // type and content read from the value (no second check per column).
    @inline(__always) func value(_ i: Int32) -> OpaquePointer { sqlite3_column_value(s.handle, i) }

    @inline(__always) func int(_ i: Int32) throws(StoreError) -> Int64 {
        let v = value(i)
        guard sqlite3_value_type(v) == SQLITE_INTEGER else { throw corrupt(i) }
        return sqlite3_value_int64(v)
    }

    @inline(__always) func double(_ i: Int32) throws(StoreError) -> Double {
        let v = value(i)
        let type = sqlite3_value_type(v)
        guard type == SQLITE_FLOAT || type == SQLITE_INTEGER else { throw corrupt(i) }
        return sqlite3_value_double(v)
    }

    /// A number, or `nil` for anything else (NULL).
    @inline(__always) func optionalDouble(_ i: Int32) -> Double? {
        let v = value(i)
        let type = sqlite3_value_type(v)
        return type == SQLITE_FLOAT || type == SQLITE_INTEGER ? sqlite3_value_double(v) : nil
    }

    @inline(__always) static func string(_ v: OpaquePointer) -> String {
        guard let p = sqlite3_value_text(v) else { return "" }
        return String(decoding: UnsafeBufferPointer(start: p, count: Int(sqlite3_value_bytes(v))), as: UTF8.self)
    }

    @inline(__always) func text(_ i: Int32) throws(StoreError) -> String {
        let v = value(i)
        guard sqlite3_value_type(v) == SQLITE_TEXT else { throw corrupt(i) }
        return Self.string(v)
    }

    /// Text, or `nil` for anything else (NULL).
    @inline(__always) func optionalText(_ i: Int32) -> String? {
        let v = value(i)
        return sqlite3_value_type(v) == SQLITE_TEXT ? Self.string(v) : nil
    }

    @inline(__always) func text(_ i: Int32, _ cache: inout TextCache) throws(StoreError) -> String {
        let v = value(i)
        guard sqlite3_value_type(v) == SQLITE_TEXT else { throw corrupt(i) }
        return cache.string(v)
    }

    @inline(__always) func optionalText(_ i: Int32, _ cache: inout TextCache) -> String? {
        let v = value(i)
        return sqlite3_value_type(v) == SQLITE_TEXT ? cache.string(v) : nil
    }

    /// A model column: NULL, or one of the models' names (matched as bytes: no `String` made).
    @inline(__always) func model(_ i: Int32) throws(StoreError) -> MarginModel? {
        let v = value(i)
        let type = sqlite3_value_type(v)
        if type == SQLITE_NULL { return nil }
        guard type == SQLITE_TEXT, let p = sqlite3_value_text(v) else { throw corrupt(i) }
        let n = Int(sqlite3_value_bytes(v))
        for m in MarginModel.allCases {
            let match = m.rawValue.utf8.withContiguousStorageIfAvailable { u in
                u.count == n && memcmp(u.baseAddress!, p, n) == 0
            }
            if match == true { return m }
        }
        // Not a model's bytes (a spelling String equality would still take goes the old way).
        guard let m = MarginModel(rawValue: Self.string(v)) else { throw corrupt(i) }
        return m
    }
}

/// The strings of a column's few distinct values (assets, venues, instruments, sub-account ids),
/// one `String` for each distinct bytes: a value read again is the one made before, not a new
/// string (and, over 15 bytes, a new allocation). Holds at most ``limit``; past that, new values
/// are made each time. The bytes are kept apart from the strings, so a lookup compares bytes
/// and touches a string only to return it.
struct TextCache {
    static let limit = 1 << 12
    private static let size = 1 << 13
    /// Per slot: the entry's index + 1 (0: empty), and its hash.
    private var slots = [(entry: Int32, hash: Int32)](repeating: (0, 0), count: TextCache.size)
    /// Per entry: its bytes' offset and count in `bytes`.
    private var spans: [(offset: Int, count: Int)] = []
    private var bytes: [UInt8] = []
    private var strings: [String] = []

    /// A TEXT value's string.
    @inline(__always) mutating func string(_ v: OpaquePointer) -> String {
        guard let p = sqlite3_value_text(v) else { return "" }
        let n = Int(sqlite3_value_bytes(v))
        guard n > 0 else { return "" }
        let h = Self.hash(p, n)
        let mask = Self.size - 1
        var k = Int(h) & mask
        while true {
            let slot = slots[k]
            if slot.entry == 0 { break }
            if slot.hash == h {
                let e = Int(slot.entry) - 1
                let span = spans[e]
                if span.count == n, bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress! + span.offset, p, n) }) == 0
                {
                    return strings[e]
                }
            }
            k = (k + 1) & mask
        }
        let str = String(decoding: UnsafeBufferPointer(start: p, count: n), as: UTF8.self)
        guard strings.count < Self.limit else { return str }
        spans.append((bytes.count, n))
        bytes.append(contentsOf: UnsafeBufferPointer(start: p, count: n))
        strings.append(str)
        slots[k] = (Int32(strings.count), h)
        return str
    }

    @inline(__always) static func hash(_ p: UnsafePointer<UInt8>, _ n: Int) -> Int32 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for j in 0..<n { h = (h ^ UInt64(p[j])) &* 0x100_0000_01B3 }
        return Int32(truncatingIfNeeded: h ^ (h >> 32))
    }
}
