import Logging
import MarginCore
import PostgresNIO

/// Multi-row parameterised inserts for an import's market tables (the account side goes by
/// binary `COPY`, ``PostgresCopy``): each table's rows are bound
/// as one array per column and inserted with `unnest`, thousands per statement.
/// A nullable number travels as NaN (books hold finite numbers only) and a
/// nullable text with a null-flag array.
struct PostgresBulkWriter {
    struct Buffer {
        var table: TableSpec
        /// Per column: which typed array holds it.
        var slot: [Int] = []
        var ints: [[Int64]] = []
        var doubles: [[Double]] = []
        var texts: [[String]] = []
        var nulls: [[Bool]] = []
        var count = 0

        init(_ t: TableSpec) {
            table = t
            for c in t.columns {
                switch c.type {
                case .int:
                    slot.append(ints.count)
                    ints.append([])
                case .double:
                    slot.append(doubles.count)
                    doubles.append([])
                case .text:
                    slot.append(texts.count)
                    texts.append([])
                    nulls.append([])
                }
            }
        }

        mutating func append(_ values: [SQLValue]) {
            for (i, c) in table.columns.enumerated() {
                let k = slot[i]
                switch c.type {
                case .int: ints[k].append(values[i].int ?? 0)
                case .double: doubles[k].append(values[i].double ?? .nan)
                case .text:
                    let t = values[i].text
                    texts[k].append(t ?? "")
                    nulls[k].append(t == nil)
                }
            }
            count += 1
        }

        var sql: String {
            var types: [String] = []
            var aliases: [String] = []
            var exprs: [String] = []
            for (i, c) in table.columns.enumerated() {
                switch c.type {
                case .int:
                    types.append("bigint[]")
                    aliases.append("c\(i)")
                    exprs.append("c\(i)")
                case .double:
                    types.append("float8[]")
                    aliases.append("c\(i)")
                    exprs.append(c.nullable ? "NULLIF(c\(i), 'NaN'::float8)" : "c\(i)")
                case .text:
                    types.append("text[]")
                    aliases.append("c\(i)")
                    types.append("bool[]")
                    aliases.append("n\(i)")
                    exprs.append("CASE WHEN n\(i) THEN NULL ELSE c\(i) END")
                }
            }
            let args = types.enumerated().map { "$\($0.offset + 1)::\($0.element)" }.joined(separator: ", ")
            return "INSERT INTO \(table.name) (\(table.columnList)) SELECT \(exprs.joined(separator: ", ")) "
                + "FROM unnest(\(args)) AS u(\(aliases.joined(separator: ", ")))"
        }

        var bindings: PostgresBindings {
            var b = PostgresBindings(capacity: table.columns.count * 2)
            for (i, c) in table.columns.enumerated() {
                let k = slot[i]
                switch c.type {
                case .int: b.append(ints[k])
                case .double: b.append(doubles[k])
                case .text:
                    b.append(texts[k])
                    b.append(nulls[k])
                }
            }
            return b
        }
    }

    let conn: PostgresConnection
    let logger: Logger
    /// Parents before children, so foreign keys hold at every flush.
    private var buffers: [Buffer] = BookTables.marketSide.map(Buffer.init) + BookTables.accountSide.map(Buffer.init)
    private var index: [String: Int] = [:]

    init(conn: PostgresConnection, logger: Logger) {
        self.conn = conn
        self.logger = logger
        for (i, b) in buffers.enumerated() { index[b.table.name] = i }
    }

    mutating func addMarket(_ book: Book) async throws {
        var rows: [(TableSpec, [SQLValue])] = []
        BookTables.emitMarket(book) { t, v in rows.append((t, v)) }
        for (t, v) in rows { try await add(t, v) }
    }

    mutating func add(_ t: TableSpec, _ values: [SQLValue]) async throws {
        guard let i = index[t.name] else { return }
        buffers[i].append(values)
        if buffers[i].count >= PostgresStore.batchRows { try await flush() }
    }

    mutating func flush() async throws {
        for i in buffers.indices where buffers[i].count > 0 {
            try await conn.query(PostgresQuery(unsafeSQL: buffers[i].sql, binds: buffers[i].bindings), logger: logger)
            buffers[i] = Buffer(buffers[i].table)
        }
    }
}
