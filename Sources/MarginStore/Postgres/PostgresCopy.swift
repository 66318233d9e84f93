import Logging
import MarginCore
import NIOCore
import PostgresNIO

/// An ``AccountRowSink`` that writes PostgreSQL's binary `COPY` tuples: a field count, then each
/// field as a length (-1 for NULL) and its bytes in network order (`bigint` 8 bytes,
/// `double precision` the IEEE bits, `text` its UTF-8).
///
/// With `shardKey` (the accounts table) each row gets one more field after the ones the row
/// writer gives: `shard_key`, ``ShardSpec/key(of:)`` of the row's second field (the id).
struct CopyBinarySink: AccountRowSink {
    var buffer: ByteBuffer
    let fields: Int16
    let shardKey: Bool
    /// Fields written in the current row, and the shard key of its id.
    private var field = 0
    private var key: Int64 = 0

    /// `PGCOPY\n\377\r\n\0`, no flags, no header extension.
    static let header: [UInt8] = [
        0x50, 0x47, 0x43, 0x4F, 0x50, 0x59, 0x0A, 0xFF, 0x0D, 0x0A, 0x00, 0, 0, 0, 0, 0, 0, 0, 0,
    ]
    static let trailer: Int16 = -1

    init(fields: Int, capacity: Int, shardKey: Bool = false) {
        buffer = ByteBufferAllocator().buffer(capacity: capacity)
        self.fields = Int16(fields + (shardKey ? 1 : 0))
        self.shardKey = shardKey
    }

    mutating func beginRow() {
        buffer.writeInteger(fields)
        field = 0
    }
    mutating func int(_ v: Int64) {
        field += 1
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(v)
    }
    mutating func double(_ v: Double) {
        field += 1
        buffer.writeInteger(Int32(8))
        buffer.writeInteger(v.bitPattern)
    }
    mutating func double(_ v: Double?) {
        if let v { double(v) } else { null() }
    }
    mutating func text(_ v: String) {
        if shardKey, field == 1 { key = ShardSpec.key(of: v) }
        field += 1
        let at = buffer.writerIndex
        buffer.writeInteger(Int32(0))
        let n = buffer.writeString(v)
        buffer.setInteger(Int32(n), at: at)
    }
    mutating func text(_ v: String?) {
        if let v { text(v) } else { null() }
    }
    private mutating func null() {
        field += 1
        buffer.writeInteger(Int32(-1))
    }
    mutating func endRow() {
        if shardKey { int(key) }
    }
}

/// The account side of an import by binary `COPY ... FROM STDIN`, and its load by streaming
/// queries decoded by column index.
enum PostgresCopy {
    /// Accounts encoded between two checks for a full buffer.
    static let chunkAccounts = 2_000
    /// Bytes sent to the server per `CopyData` batch.
    static let flushBytes = 1 << 20

    /// Streams `table`'s rows of `accounts` into it with one binary `COPY` (on the caller's
    /// transaction: a failure anywhere leaves nothing of it).
    static func copy(
        _ table: AccountTable, of accounts: [Account], conn: PostgresConnection, logger: Logger
    ) async throws {
        let spec = table.spec
        let shardKey = table == .accounts
        let columns = spec.columnList + (shardKey ? ", shard_key" : "")
        // postgres-nio 1.33 writes `COPY "<table>" FROM STDIN WITH (FORMAT text)` around the
        // table name as given (its only format). The name below closes the quote, names the
        // columns and asks for the binary format; the rest of its text becomes a comment. The
        // names are this schema's constants, never input.
        let target = "\(spec.name)\" (\(columns)) FROM STDIN WITH (FORMAT binary) --"
        try await conn.copyFrom(table: target, logger: logger) { writer in
            var sink = CopyBinarySink(
                fields: spec.columns.count, capacity: flushBytes + 64 * 1024, shardKey: shardKey)
            sink.buffer.writeBytes(CopyBinarySink.header)
            var start = accounts.startIndex
            while start < accounts.endIndex {
                let end = min(start + chunkAccounts, accounts.endIndex)
                try BookTables.write(table, of: accounts[start..<end], into: &sink)
                if sink.buffer.readableBytes >= flushBytes {
                    try await writer.write(sink.buffer)
                    sink.buffer = ByteBufferAllocator().buffer(capacity: flushBytes + 64 * 1024)
                }
                start = end
            }
            sink.buffer.writeInteger(CopyBinarySink.trailer)
            try await writer.write(sink.buffer)
        }
    }

    /// The foreign keys of the account-side tables, as `(table, name, definition)`.
    static func accountForeignKeys(_ s: PostgresSession) async throws -> [(String, String, String)] {
        let names = AccountTable.allCases.map { "'\($0.spec.name)'" }.joined(separator: ", ")
        var out: [(String, String, String)] = []
        try await s.forEachRow(
            "SELECT c.relname::text, k.conname::text, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                + "JOIN pg_class c ON c.oid = k.conrelid "
                + "WHERE k.contype = 'f' AND c.relnamespace = current_schema()::regnamespace "
                + "AND c.relname IN (\(names)) ORDER BY c.relname, k.conname", [], types: [.text, .text, .text]
        ) { r in
            if let t = r[0].text, let n = r[1].text, let d = r[2].text { out.append((t, n, d)) }
        }
        return out
    }

    /// Reads the account-side tables in key order from the transaction's snapshot, rows decoded
    /// by column index as they arrive (binary format).
    ///
    /// With `shard`, only that shard's accounts (``ShardSpec``, by `accounts.shard_key`).
    static func loadAccounts(
        _ s: PostgresSession, count: Int, positions withPositions: Bool = true, shard: ShardSpec? = nil
    ) async throws -> AccountsBuilder {
        var b = AccountsBuilder(capacity: count)
        func query(_ t: AccountTable) -> PostgresQuery { select(t, shard: shard) }
        for try await row in try await s.conn.query(query(.accounts), logger: s.logger) {
            var c = Cells(row, .accounts)
            try b.addAccount(pk: try c.int(), id: try c.text(), name: try c.optText(), model: try c.optText())
        }
        b.rewind()
        for try await row in try await s.conn.query(query(.subaccounts), logger: s.logger) {
            var c = Cells(row, .subaccounts)
            let pk = try c.int()
            try c.skip()
            try b.addSubaccount(pk: pk, id: try c.text())
        }
        b.rewind()
        for try await row in try await s.conn.query(query(.collateral), logger: s.logger) {
            var c = Cells(row, .collateral)
            let (pk, sub) = (try c.int(), try c.int())
            try c.skip()
            let line = CollateralLine(asset: try c.text(), amount: try c.double(), venue: try c.optText())
            try b.addCollateral(pk: pk, sub: sub, line)
        }
        if withPositions {
            b.rewind()
            for try await row in try await s.conn.query(query(.positions), logger: s.logger) {
                let (pk, sub, p) = try position(row)
                try b.addPosition(pk: pk, sub: sub, p)
            }
        }
        return b
    }

    /// The positions table alone, grouped by sub-account.
    static func loadPositions(_ conn: PostgresConnection, logger: Logger, shard: ShardSpec? = nil) async throws
        -> PositionGroups
    {
        var groups = PositionGroups()
        let q = select(.positions, shard: shard)
        for try await row in try await conn.query(q, logger: logger) {
            let (pk, sub, p) = try position(row)
            try groups.add(pk: pk, sub: sub, p)
        }
        return groups
    }

    /// `table`'s rows in key order; with `shard`, those of that shard's accounts only.
    static func select(_ table: AccountTable, shard: ShardSpec?) -> PostgresQuery {
        let spec = table.spec
        var sql = "SELECT \(spec.columnList) FROM \(spec.name)"
        if let shard {
            // Two integers of a checked ShardSpec: nothing from input reaches the text.
            let owned = "shard_key % \(shard.count) = \(shard.index)"
            sql +=
                table == .accounts ? " WHERE \(owned)" : " WHERE account_pk IN (SELECT pk FROM accounts WHERE \(owned))"
        }
        return PostgresQuery(unsafeSQL: sql + " ORDER BY \(spec.orderBy)")
    }

    @inline(__always)
    static func position(_ row: PostgresRow) throws(StoreError) -> (Int64, Int64, Position) {
        var c = Cells(row, .positions)
        let (pk, sub) = (try c.int(), try c.int())
        try c.skip()
        let p = Position(
            instrument: try c.text(), quantity: try c.double(), entryPrice: try c.double(),
            isolatedCollateral: try c.optDouble())
        return (pk, sub, p)
    }

    /// A row's cells read in column order: binary `int8`, `float8` and `text` straight from
    /// their bytes, anything else through postgres-nio's decoding; a NULL where none may be, or
    /// a value that does not decode, is a damaged row named by its table and column.
    struct Cells {
        var iterator: PostgresRow.Iterator
        let table: AccountTable
        /// Cells read so far.
        var read = 0

        init(_ row: PostgresRow, _ table: AccountTable) {
            iterator = row.makeIterator()
            self.table = table
        }

        private mutating func next() throws(StoreError) -> PostgresCell {
            read += 1
            guard let cell = iterator.next() else { throw corrupt() }
            return cell
        }

        private func corrupt() -> StoreError {
            let columns = table.spec.columns
            let at = read - 1
            return AccountsBuilder.corrupt(table, at >= 0 && at < columns.count ? columns[at].name : "columns")
        }

        mutating func skip() throws(StoreError) { _ = try next() }

        mutating func optInt() throws(StoreError) -> Int64? {
            let cell = try next()
            guard var bytes = cell.bytes else { return nil }
            if cell.format == .binary, cell.dataType == .int8, bytes.readableBytes == 8,
                let v = bytes.readInteger(as: Int64.self)
            {
                return v
            }
            do { return try cell.decode(Int64.self) } catch { throw corrupt() }
        }

        mutating func optDouble() throws(StoreError) -> Double? {
            let cell = try next()
            guard var bytes = cell.bytes else { return nil }
            if cell.format == .binary, cell.dataType == .float8, bytes.readableBytes == 8,
                let v = bytes.readInteger(as: UInt64.self)
            {
                return Double(bitPattern: v)
            }
            do { return try cell.decode(Double.self) } catch { throw corrupt() }
        }

        mutating func optText() throws(StoreError) -> String? {
            let cell = try next()
            guard let bytes = cell.bytes else { return nil }
            if cell.format == .binary, cell.dataType == .text {
                return bytes.readableBytesView.withContiguousStorageIfAvailable {
                    String(decoding: $0, as: UTF8.self)
                } ?? String(decoding: bytes.readableBytesView, as: UTF8.self)
            }
            do { return try cell.decode(String.self) } catch { throw corrupt() }
        }

        mutating func int() throws(StoreError) -> Int64 {
            guard let v = try optInt() else { throw corrupt() }
            return v
        }
        mutating func double() throws(StoreError) -> Double {
            guard let v = try optDouble() else { throw corrupt() }
            return v
        }
        mutating func text() throws(StoreError) -> String {
            guard let v = try optText() else { throw corrupt() }
            return v
        }
    }
}
