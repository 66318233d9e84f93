/// One chunk of an account-side table as PostgreSQL sends a binary `record[]` cell
/// (`array_send` of `record_send`s), read in place: each row of the chunk is one record whose
/// fields are the table's columns in ``TableSpec`` order.
///
/// The array: its dimension count, a has-null flag, the element type, then for one dimension
/// its length and lower bound; each element a length and its bytes. A record: its field count,
/// then per field the type's OID, a length (-1 for NULL) and the bytes in network order
/// (`int8` 8 bytes, `float8` the IEEE bits, `text` its UTF-8). Anything else, a field of
/// another type or bytes left over, is a damaged row named by its table and column.
struct RecordArrayReader {
    private let bytes: UnsafeRawBufferPointer
    private let table: AccountTable
    private let types: [UInt32]
    private var at = 0
    /// Records not read yet, and where the current one ends.
    private var left = 0
    private var recordEnd = -1
    /// Fields read of the current record.
    private var field = 0

    static let int8: UInt32 = 20
    static let text: UInt32 = 25
    static let float8: UInt32 = 701

    init(_ bytes: UnsafeRawBufferPointer, _ table: AccountTable) throws(StoreError) {
        self.bytes = bytes
        self.table = table
        types = table.spec.columns.map {
            switch $0.type {
            case .int: Self.int8
            case .double: Self.float8
            case .text: Self.text
            }
        }
        let dimensions = try int32()
        _ = try int32()  // has-null flag
        _ = try int32()  // element type
        switch dimensions {
        case 0: left = 0
        case 1:
            left = Int(try int32())
            _ = try int32()  // lower bound
            guard left >= 0 else { throw corrupt() }
        default: throw corrupt()
        }
    }

    private func corrupt() -> StoreError {
        let columns = table.spec.columns
        let at = field - 1
        return AccountsBuilder.corrupt(table, at >= 0 && at < columns.count ? columns[at].name : "columns")
    }

    @inline(__always)
    private mutating func int32() throws(StoreError) -> Int32 {
        guard at + 4 <= bytes.count else { throw corrupt() }
        let v = Int32(bigEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int32.self))
        at += 4
        return v
    }

    /// Moves to the next record (row); false after the last, when every byte was read.
    mutating func next() throws(StoreError) -> Bool {
        if recordEnd >= 0 {
            // Every field of the previous record read, and nothing more.
            guard field == types.count, at == recordEnd else { throw corrupt() }
        }
        guard left > 0 else {
            guard at == bytes.count else { throw corrupt() }
            return false
        }
        left -= 1
        field = 0
        let length = Int(try int32())
        guard length >= 4, at + length <= bytes.count else { throw corrupt() }
        recordEnd = at + length
        guard Int(try int32()) == types.count else { throw corrupt() }
        return true
    }

    /// The next field's bytes (offset and length), `nil` for NULL.
    @inline(__always)
    private mutating func cell() throws(StoreError) -> (Int, Int)? {
        guard field < types.count else { throw corrupt() }
        field += 1
        guard UInt32(bitPattern: try int32()) == types[field - 1] else { throw corrupt() }
        let length = Int(try int32())
        if length == -1 { return nil }
        guard length >= 0, at + length <= recordEnd else { throw corrupt() }
        defer { at += length }
        return (at, length)
    }

    private mutating func word() throws(StoreError) -> UInt64? {
        guard let (start, length) = try cell() else { return nil }
        guard length == 8 else { throw corrupt() }
        return UInt64(bigEndian: bytes.loadUnaligned(fromByteOffset: start, as: UInt64.self))
    }

    mutating func skip() throws(StoreError) { _ = try cell() }

    mutating func optInt() throws(StoreError) -> Int64? { try word().map { Int64(bitPattern: $0) } }

    mutating func optDouble() throws(StoreError) -> Double? { try word().map { Double(bitPattern: $0) } }

    mutating func optText() throws(StoreError) -> String? {
        guard let (start, length) = try cell() else { return nil }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<start + length]), as: UTF8.self)
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
