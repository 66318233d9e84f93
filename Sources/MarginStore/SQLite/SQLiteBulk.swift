import GRDB
import GRDBSQLite
import MarginCore

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

/// An ``AccountRowSink`` binding each field into one prepared `INSERT` and running it per row.
struct SQLiteRowSink: AccountRowSink {
    let statement: SQLiteRawStatement
    private var column: Int32 = 1
    private var bindError: Int32 = SQLITE_OK

    init(_ statement: SQLiteRawStatement) { self.statement = statement }

    private mutating func check(_ rc: Int32) {
        if rc != SQLITE_OK, bindError == SQLITE_OK { bindError = rc }
        column += 1
    }

    mutating func beginRow() { column = 1 }
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
        if bindError != SQLITE_OK {
            let rc = bindError
            bindError = SQLITE_OK
            sqlite3_reset(statement.handle)
            throw statement.error(rc)
        }
        try statement.run()
    }
}

extension SQLiteStore {
    /// Writes the book's account-side tables, each through one prepared statement, table by table.
    static func bulkInsertAccounts(_ db: Database, _ accounts: [Account]) throws {
        for table in AccountTable.allCases {
            var sink = SQLiteRowSink(try SQLiteRawStatement(db, table.spec.insertSQL))
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

    /// The account-side tables read in key order, columns by index, into accounts; the positions
    /// too unless they are read apart (`positions: false`, then ``loadPositions(_:)``).
    static func loadAccounts(_ db: Database, positions withPositions: Bool = true) throws -> AccountsBuilder {
        let count = try Int.fetchOne(db, sql: "SELECT count(*) FROM accounts") ?? 0
        var b = AccountsBuilder(capacity: count)
        func query(_ t: AccountTable) throws -> SQLiteRawStatement {
            let spec = t.spec
            return try SQLiteRawStatement(db, "SELECT \(spec.columnList) FROM \(spec.name) ORDER BY \(spec.orderBy)")
        }
        func corrupt(_ t: AccountTable, _ column: Int) -> StoreError {
            AccountsBuilder.corrupt(t, t.spec.columns[column].name)
        }
        // Type checks: what the old row reader accepted (a number in a REAL column, text in TEXT).
        func int(_ s: SQLiteRawStatement, _ t: AccountTable, _ i: Int32) throws -> Int64 {
            guard s.type(i) == SQLITE_INTEGER else { throw corrupt(t, Int(i)) }
            return s.int(i)
        }
        func double(_ s: SQLiteRawStatement, _ t: AccountTable, _ i: Int32) throws -> Double {
            let type = s.type(i)
            guard type == SQLITE_FLOAT || type == SQLITE_INTEGER else { throw corrupt(t, Int(i)) }
            return s.double(i)
        }
        func optDouble(_ s: SQLiteRawStatement, _ i: Int32) -> Double? {
            let type = s.type(i)
            return type == SQLITE_FLOAT || type == SQLITE_INTEGER ? s.double(i) : nil
        }
        func text(_ s: SQLiteRawStatement, _ t: AccountTable, _ i: Int32) throws -> String {
            guard s.type(i) == SQLITE_TEXT else { throw corrupt(t, Int(i)) }
            return s.text(i)
        }
        func optText(_ s: SQLiteRawStatement, _ i: Int32) -> String? {
            s.type(i) == SQLITE_TEXT ? s.text(i) : nil
        }

        var s = try query(.accounts)
        while try s.next() {
            try b.addAccount(
                pk: try int(s, .accounts, 0), id: try text(s, .accounts, 1), name: optText(s, 2),
                model: optText(s, 3))
        }
        s = try query(.subaccounts)
        b.rewind()
        while try s.next() {
            try b.addSubaccount(pk: try int(s, .subaccounts, 0), id: try text(s, .subaccounts, 2))
        }
        s = try query(.collateral)
        b.rewind()
        while try s.next() {
            let line = CollateralLine(
                asset: try text(s, .collateral, 3), amount: try double(s, .collateral, 4), venue: optText(s, 5))
            try b.addCollateral(pk: try int(s, .collateral, 0), sub: try int(s, .collateral, 1), line)
        }
        if withPositions {
            s = try query(.positions)
            b.rewind()
            while try s.next() {
                let (pk, sub, p) = try position(s)
                try b.addPosition(pk: pk, sub: sub, p)
            }
        }
        return b
    }

    /// The positions table alone, grouped by sub-account.
    static func loadPositions(_ db: Database) throws -> PositionGroups {
        let spec = AccountTable.positions.spec
        let s = try SQLiteRawStatement(db, "SELECT \(spec.columnList) FROM \(spec.name) ORDER BY \(spec.orderBy)")
        var groups = PositionGroups()
        while try s.next() {
            let (pk, sub, p) = try position(s)
            try groups.add(pk: pk, sub: sub, p)
        }
        return groups
    }

    /// One positions row: its account key, sub-account and position.
    @inline(__always)
    static func position(_ s: SQLiteRawStatement) throws -> (Int64, Int64, Position) {
        func corrupt(_ i: Int) -> StoreError {
            AccountsBuilder.corrupt(.positions, BookTables.positions.columns[i].name)
        }
        func number(_ i: Int32) throws -> Double {
            let type = s.type(i)
            guard type == SQLITE_FLOAT || type == SQLITE_INTEGER else { throw corrupt(Int(i)) }
            return s.double(i)
        }
        guard s.type(0) == SQLITE_INTEGER else { throw corrupt(0) }
        guard s.type(1) == SQLITE_INTEGER else { throw corrupt(1) }
        guard s.type(3) == SQLITE_TEXT else { throw corrupt(3) }
        let isolatedType = s.type(6)
        let isolated = isolatedType == SQLITE_FLOAT || isolatedType == SQLITE_INTEGER ? s.double(6) : nil
        let p = Position(
            instrument: s.text(3), quantity: try number(4), entryPrice: try number(5), isolatedCollateral: isolated)
        return (s.int(0), s.int(1), p)
    }
}
