import PostgresNIO

/// Values between ``SQLValue`` and postgres-nio: binds out, typed columns in.
enum PostgresRowCodec {
    /// A row's columns decoded as `types` (`NULL` as ``SQLValue/null``).
    static func values(_ row: PostgresRow, _ types: [ColumnType]) throws -> [SQLValue] {
        let ra = row.makeRandomAccess()
        var out: [SQLValue] = []
        out.reserveCapacity(types.count)
        for (i, t) in types.enumerated() {
            switch t {
            case .int: out.append(try ra[i].decode(Int64?.self).map { .int($0) } ?? .null)
            case .double: out.append(try ra[i].decode(Double?.self).map { .double($0) } ?? .null)
            case .text: out.append(try ra[i].decode(String?.self).map { .text($0) } ?? .null)
            }
        }
        return out
    }

    static func bind(_ values: [SQLValue]) -> PostgresBindings {
        var b = PostgresBindings(capacity: values.count)
        for v in values {
            switch v {
            case .null: b.appendNull()
            case .int(let i): b.append(i)
            case .double(let d): b.append(d)
            case .text(let s): b.append(s)
            }
        }
        return b
    }
}
