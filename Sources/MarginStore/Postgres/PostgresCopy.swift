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
    ///
    /// `freeze` (the table was truncated in this transaction) writes the rows frozen, their
    /// hint bits set: the first read after the import does not write every page again.
    static func copy(
        _ table: AccountTable, of accounts: [Account], freeze: Bool = false, conn: PostgresConnection,
        logger: Logger
    ) async throws {
        let spec = table.spec
        let shardKey = table == .accounts
        let columns = spec.columnList + (shardKey ? ", shard_key" : "")
        // postgres-nio 1.33 writes `COPY "<table>" FROM STDIN WITH (FORMAT text)` around the
        // table name as given (its only format). The name below closes the quote, names the
        // columns and asks for the binary format; the rest of its text becomes a comment. The
        // names are this schema's constants, never input.
        let target = "\(spec.name)\" (\(columns)) FROM STDIN WITH (FORMAT binary\(freeze ? ", FREEZE" : "")) --"
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

    /// The account-side tables' keys and indexes, to drop before an owner's copy and build
    /// after it: the primary keys and unique constraints as `(table, name, definition)`, then
    /// the indexes that back no constraint as `(name, CREATE INDEX statement)`.
    static func accountIndexes(_ s: PostgresSession) async throws -> (
        constraints: [(String, String, String)], indexes: [(String, String)]
    ) {
        let names = AccountTable.allCases.map { "'\($0.spec.name)'" }.joined(separator: ", ")
        let inSchema = "c.relnamespace = current_schema()::regnamespace AND c.relname IN (\(names))"
        var constraints: [(String, String, String)] = []
        try await s.forEachRow(
            "SELECT c.relname::text, k.conname::text, pg_get_constraintdef(k.oid) FROM pg_constraint k "
                + "JOIN pg_class c ON c.oid = k.conrelid WHERE k.contype IN ('p', 'u') AND \(inSchema) "
                + "ORDER BY c.relname, k.conname", [], types: [.text, .text, .text]
        ) { r in
            if let t = r[0].text, let n = r[1].text, let d = r[2].text { constraints.append((t, n, d)) }
        }
        var indexes: [(String, String)] = []
        try await s.forEachRow(
            "SELECT x.relname::text, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                + "JOIN pg_class c ON c.oid = i.indrelid JOIN pg_class x ON x.oid = i.indexrelid WHERE \(inSchema) "
                + "AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid "
                + "AND k.conrelid = i.indrelid) ORDER BY x.relname", [], types: [.text, .text]
        ) { r in
            if let n = r[0].text, let d = r[1].text { indexes.append((n, d)) }
        }
        return (constraints, indexes)
    }

    /// Keys per chunk of a load (`1 << chunkShift`): each chunk's rows of a table come as one
    /// cell, so the client handles a message per 256 accounts, not per row. At 1,024 keys a
    /// positions chunk was a message of about 200 KB, and the load's second connection (fresh,
    /// side by side with the first) took 4.8-5.3 s for its half of the positions against 1.3-1.8 s
    /// on the first, every time, alone or side by side, with both ends mostly waiting; at 256
    /// (about 50 KB) both halves take 1.6-2.0 s and the 1M load 4.6 s instead of 7-9 s.
    static let chunkShift = 8

    /// Reads the account-side tables in key order from the transaction's snapshot, a chunk of
    /// keys at a time (``select(_:shard:)``).
    ///
    /// With `shard`, only that shard's accounts (``ShardSpec``, by `accounts.shard_key`).
    /// With `chunks`, only the chunks whose first key is in it (``select(_:shard:chunks:)``).
    static func loadAccounts(
        _ s: PostgresSession, count: Int, positions withPositions: Bool = true, shard: ShardSpec? = nil,
        chunks: Range<Int64>? = nil
    ) async throws -> AccountsBuilder {
        var b = AccountsBuilder(capacity: count)
        func forEachRow(
            _ table: AccountTable, _ body: (inout RecordArrayReader) throws(StoreError) -> Void
        ) async throws {
            try await PostgresCopy.forEachRow(table, shard: shard, chunks: chunks, s.conn, s.logger, body)
        }
        try await forEachRow(.accounts) { r throws(StoreError) in
            try b.addAccount(pk: try r.int(), id: try r.text(), name: try r.optText(), model: try r.optText())
        }
        b.rewind()
        try await forEachRow(.subaccounts) { r throws(StoreError) in
            let pk = try r.int()
            try r.skip()
            try b.addSubaccount(pk: pk, id: try r.text())
        }
        b.rewind()
        try await forEachRow(.collateral) { r throws(StoreError) in
            let (pk, sub) = (try r.int(), try r.int())
            try r.skip()
            let line = CollateralLine(asset: try r.text(), amount: try r.double(), venue: try r.optText())
            try b.addCollateral(pk: pk, sub: sub, line)
        }
        if withPositions {
            b.rewind()
            try await forEachRow(.positions) { r throws(StoreError) in
                let (pk, sub, p) = try position(&r)
                try b.addPosition(pk: pk, sub: sub, p)
            }
        }
        return b
    }

    /// Calls `body` on each row of `table` in key order, read from the chunks' `record[]` cells
    /// (``RecordArrayReader``) as they arrive.
    static func forEachRow(
        _ table: AccountTable, shard: ShardSpec?, chunks: Range<Int64>? = nil, _ conn: PostgresConnection,
        _ logger: Logger, _ body: (inout RecordArrayReader) throws(StoreError) -> Void
    ) async throws {
        for try await row in try await conn.query(select(table, shard: shard, chunks: chunks), logger: logger) {
            guard let cell = row.first, cell.format == .binary, let bytes = cell.bytes else {
                throw AccountsBuilder.corrupt(table, "columns")
            }
            try bytes.withUnsafeReadableBytes { raw throws(StoreError) in
                var r = try RecordArrayReader(raw, table)
                while try r.next() { try body(&r) }
            }
        }
    }

    /// `table`'s rows in key order, one row per chunk of `1 << chunkShift` account keys that
    /// holds an account: the chunk's rows as one `record[]` of the table's columns, in key order
    /// (each chunk an index range scan). With `shard`, those of that shard's accounts only; with
    /// `chunks`, only the chunks whose first key is in that range (two ranges split at a chunk's
    /// first key share no row).
    static func select(_ table: AccountTable, shard: ShardSpec?, chunks: Range<Int64>? = nil) -> PostgresQuery {
        let spec = table.spec
        let key = table == .accounts ? "pk" : "account_pk"
        let width = (1 << chunkShift) - 1
        let range = "BETWEEN k.lo AND k.lo + \(width)"
        let first = "(pk >> \(chunkShift)) << \(chunkShift)"
        var owned: [String] = []
        // Integers only (of a checked ShardSpec, of keys): nothing from input reaches the text.
        if let chunks { owned.append("\(first) >= \(chunks.lowerBound) AND \(first) < \(chunks.upperBound)") }
        var inChunk = "\(key) \(range)"
        if let shard {
            let mine = "shard_key % \(shard.count) = \(shard.index)"
            owned.append(mine)
            inChunk +=
                table == .accounts
                ? " AND \(mine)" : " AND account_pk IN (SELECT pk FROM accounts WHERE pk \(range) AND \(mine))"
        }
        // `>>` on bigint shifts arithmetically: every key, negative ones too, is in the chunk
        // starting at its low bits cleared, and `lo + width` cannot overflow.
        let sql =
            "SELECT ARRAY(SELECT ROW(\(spec.columnList)) FROM \(spec.name) WHERE \(inChunk) ORDER BY \(spec.orderBy)) "
            + "FROM (SELECT DISTINCT \(first) AS lo FROM accounts"
            + (owned.isEmpty ? "" : " WHERE " + owned.joined(separator: " AND ")) + ") k ORDER BY k.lo"
        return PostgresQuery(unsafeSQL: sql)
    }

    @inline(__always)
    static func position(_ r: inout RecordArrayReader) throws(StoreError) -> (Int64, Int64, Position) {
        let (pk, sub) = (try r.int(), try r.int())
        try r.skip()
        let p = Position(
            instrument: try r.text(), quantity: try r.double(), entryPrice: try r.double(),
            isolatedCollateral: try r.optDouble())
        return (pk, sub, p)
    }
}
