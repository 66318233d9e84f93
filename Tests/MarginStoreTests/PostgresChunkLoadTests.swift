import Foundation
import MarginCore
import NIOCore
import PostgresNIO
import StoreTestSupport
import Testing

@testable import MarginStore

/// The PostgreSQL load by chunks of account keys (`PostgresCopy.select`: one `record[]` cell per
/// chunk of `1 << chunkShift` keys) and the owner's import that builds the keys after the copy.
@Suite("PostgreSQL chunked load", .serialized, .timeLimit(.minutes(3)))
struct PostgresChunkLoadTests {
    /// Keys on and beside chunk edges, negative ones, the extremes, and runs that cross edges.
    static func keys(_ n: Int) -> [Int64] {
        let edge = Int64(1 << PostgresCopy.chunkShift)
        var set: Set<Int64> = [
            .min, .min + 1, -edge - 1, -edge, -edge + 1, -1, 0, 1, edge - 1, edge, 2 * edge - 1, 2 * edge,
            1 << 40, .max - edge, .max - 1, .max,
        ]
        var k: Int64 = 5 * edge - 300
        while set.count < n {
            set.insert(k)
            k += 3
        }
        return set.sorted()
    }

    @Test("a book whose account keys straddle chunk edges, negative and extreme, loads back equal, whole and by shard")
    func chunkEdges() async throws {
        try await withFixture(.postgres) { f in
            guard let store = f.store as? PostgresStore, let server = f.server else {
                Issue.record("not a PostgreSQL fixture")
                return
            }
            // Past PostgresStore.parallelLoadAccounts: the whole load reads two halves by key on two
            // connections; each shard's (a third) reads on one.
            var book = DemoBook.generate(accounts: PostgresStore.parallelLoadAccounts + 500, seed: 17)
            book.accounts[1].subaccounts = []
            book.accounts[1_030].subaccounts = [SubAccount(id: "no lines")]
            book.accounts[book.accounts.count - 1].name = nil
            try await store.importBook(book, operator: "tester")
            // More accounts in a chunk than the edge holds, and chunks with none.
            #expect(book.accounts.count > 2 << PostgresCopy.chunkShift)

            // Renumber the stored keys (same order) through ones disjoint from both sets.
            let keys = Self.keys(book.accounts.count)
            let conn = try await PostgresConnection.connect(
                configuration: .init(
                    host: "127.0.0.1", port: server.port, username: "postgres", password: nil,
                    database: server.database, tls: .disable),
                id: 91, logger: StoreFixture.logger)
            let log = StoreFixture.logger
            try await conn.query("SET session_replication_role = replica", logger: log)
            let olds = (0..<Int64(book.accounts.count)).map { $0 }
            let tables = [
                ("accounts", "pk"), ("subaccounts", "account_pk"), ("collateral", "account_pk"),
                ("positions", "account_pk"),
            ]
            for (table, column) in tables {
                try await conn.query(
                    PostgresQuery(unsafeSQL: "UPDATE \(table) SET \(column) = \(column) + 4000000000000000000"),
                    logger: log)
                try await conn.query(
                    PostgresQuery(
                        unsafeSQL:
                            "UPDATE \(table) t SET \(column) = m.new FROM unnest($1::bigint[], $2::bigint[]) AS m(old, new) "
                            + "WHERE t.\(column) = m.old + 4000000000000000000",
                        binds: {
                            var b = PostgresBindings()
                            b.append(olds)
                            b.append(keys)
                            return b
                        }()),
                    logger: log)
            }
            let range = try await conn.query("SELECT min(pk), max(pk), count(*) FROM accounts", logger: log).collect()
            try await conn.close()
            let (low, high, stored) = try range[0].decode((Int64, Int64, Int64).self)
            #expect(low == .min && high == .max && stored == Int64(keys.count))

            let loaded = try await store.loadBook()
            #expect(loaded == book)
            #expect(try await store.loadAccount(id: book.accounts[2_000].id) == book.accounts[2_000])
            var seen = 0
            for k in 0..<3 {
                let spec = try ShardSpec(index: k, count: 3)
                let part = try await store.loadBook(shard: spec)
                #expect(part.accounts == book.accounts.filter { spec.owns($0.id) })
                seen += part.accounts.count
            }
            #expect(seen == book.accounts.count)

            // The owner's import drops and builds the keys and indexes: over these keys, again.
            let other = DemoBook.generate(accounts: 1_500, seed: 18)
            try await store.importBook(other, operator: "tester")
            #expect(try await store.loadBook() == other)
            try await BulkImportTests.expectSchemaWhole(f)
        }
    }

    /// A chunk as PostgreSQL sends it: `record[]` of `(bigint, text, text, text)`.
    static func chunk(_ rows: [(Int64, String, String?)], fields: Int32 = 4) -> [UInt8] {
        var b = ByteBufferAllocator().buffer(capacity: 256)
        b.writeInteger(Int32(1))
        b.writeInteger(Int32(0))
        b.writeInteger(UInt32(2249))
        b.writeInteger(Int32(rows.count))
        b.writeInteger(Int32(1))
        for (pk, id, name) in rows {
            var r = ByteBufferAllocator().buffer(capacity: 64)
            r.writeInteger(fields)
            r.writeInteger(RecordArrayReader.int8)
            r.writeInteger(Int32(8))
            r.writeInteger(pk)
            for text in [id, name, nil] {
                r.writeInteger(RecordArrayReader.text)
                if let text {
                    r.writeInteger(Int32(text.utf8.count))
                    r.writeString(text)
                } else {
                    r.writeInteger(Int32(-1))
                }
            }
            b.writeInteger(Int32(r.readableBytes))
            b.writeBuffer(&r)
        }
        return Array(b.readableBytesView)
    }

    static func read(_ bytes: [UInt8]) throws -> [(Int64, String, String?, String?)] {
        try bytes.withUnsafeBytes { raw in
            var r = try RecordArrayReader(raw, .accounts)
            var out: [(Int64, String, String?, String?)] = []
            while try r.next() { out.append((try r.int(), try r.text(), try r.optText(), try r.optText())) }
            return out
        }
    }

    @Test("a chunk's records decode field by field; a short, long or mistyped one is a damaged row, not a crash")
    func recordArrayReader() throws {
        let good = Self.chunk([(-5, "a", "ünï 😀"), (7, "b", nil)])
        let rows = try Self.read(good)
        #expect(rows.count == 2)
        #expect(rows[0].0 == -5 && rows[0].1 == "a" && rows[0].2 == "ünï 😀" && rows[0].3 == nil)
        #expect(rows[1].0 == 7 && rows[1].1 == "b" && rows[1].2 == nil)
        // An empty array (a chunk with no rows): no dimension.
        #expect(try Self.read([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x08, 0xC9]).isEmpty)
        for cut in [3, 20, good.count - 1] {
            #expect(throws: StoreError.self) { _ = try Self.read(Array(good.prefix(cut))) }
        }
        #expect(throws: StoreError.self) { _ = try Self.read(good + [0]) }
        #expect(throws: StoreError.self) { _ = try Self.read(Self.chunk([(1, "a", nil)], fields: 3)) }
        // A bigint where the id's text should be.
        var mistyped = good
        mistyped[20 + 4 + 4 + 4 + 4 + 8 + 3] = UInt8(RecordArrayReader.int8)
        #expect(throws: StoreError.self) { _ = try Self.read(mistyped) }
        do {
            _ = try Self.read(Array(good.prefix(good.count - 1)))
        } catch let e as StoreError {
            #expect(String(describing: e).contains("accounts"))
        }
    }
}
