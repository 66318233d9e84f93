import Foundation
import GRDB
import MarginCore
import StoreTestSupport
import Testing

@testable import MarginStore

/// The SQLite load of issue 13 (the four account-side tables read side by side, in two halves by
/// key on two snapshots) and the checkpoint after a bulk import.
@Suite("SQLite load", .serialized, .timeLimit(.minutes(3)))
struct SQLiteLoadTests {
    /// A book past ``SQLiteStore/parallelLoadAccounts`` (two halves) with the edges a merge of the
    /// tables can get wrong: accounts without sub-accounts or lines, sub-accounts without lines,
    /// lines only in a later sub-account, at the ends of the halves.
    static func book() -> Book {
        var book = DemoBook.generate(accounts: SQLiteStore.parallelLoadAccounts + 1_000, seed: 31)
        let n = book.accounts.count
        for i in [0, n / 2 - 1, n / 2, n / 2 + 1, n - 1] { book.accounts[i].subaccounts = [] }
        for i in [1, n / 2 - 2, n - 2] {
            book.accounts[i].subaccounts.insert(SubAccount(id: "first, empty"), at: 0)
            book.accounts[i].subaccounts.append(SubAccount(id: "last, empty"))
        }
        book.accounts[5].subaccounts.append(
            SubAccount(
                id: "two",
                collateral: [CollateralLine(asset: "USDC", amount: 1), CollateralLine(asset: "BTC", amount: 2)],
                positions: book.accounts[6].subaccounts[0].positions + book.accounts[7].subaccounts[0].positions))
        return book
    }

    @Test("a book past the parallel threshold loads back equal, in order, from two halves")
    func loadsInTwoHalves() async throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try SQLiteStore(path: dir + "/s.sqlite")
        let book = Self.book()
        try await store.importBook(book, operator: "tester")
        let loaded = try await store.loadBook()
        #expect(loaded == book)
        // Both snapshots were taken: the middle key splits the stored accounts.
        let mid = try await store.read { db in try SQLiteStore.middleKey(db, from: SQLiteStore.parallelLoadAccounts) }
        #expect(mid == Int64(book.accounts.count / 2))
        await store.close()
    }

    @Test("an import leaves no WAL behind: it is checkpointed into the file and truncated")
    func importTruncatesTheWAL() async throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s.sqlite"
        let store = try SQLiteStore(path: path)
        let book = DemoBook.generate(accounts: 5_000, seed: 2)
        try await store.importBook(book, operator: "tester")
        try await store.importBook(book, operator: "tester")
        let wal = try FileManager.default.attributesOfItem(atPath: path + "-wal")[.size] as? Int
        #expect(wal == 0)
        #expect(try await store.loadBook() == book)
        // A store edit after it still commits, to the WAL.
        var edited = book.accounts[3]
        edited.name = "after the checkpoint"
        try await store.putAccount(edited)
        #expect(try await store.loadAccount(id: edited.id) == edited)
        await store.close()
    }

    /// Damaged rows, written behind the store's back, each give the row reader's error.
    @Test(
        "a damaged account-side row gives an error naming its table and column",
        arguments: [
            ("UPDATE collateral SET account_pk = 99999999 WHERE account_pk = 7", "collateral", "account_pk"),
            ("UPDATE positions SET account_pk = -1 WHERE account_pk = 6000", "positions", "account_pk"),
            ("UPDATE positions SET sub_ord = 5 WHERE account_pk = 9000", "positions", "account_pk/sub_ord"),
            ("UPDATE collateral SET sub_ord = 'x' WHERE account_pk = 100", "collateral", "sub_ord"),
            ("UPDATE positions SET quantity = 'many' WHERE account_pk = 8000", "positions", "quantity"),
            ("UPDATE accounts SET model = 'bogus' WHERE pk = 10500", "accounts", "model"),
            ("UPDATE accounts SET id = x'41' WHERE pk = 2", "accounts", "id"),
            ("UPDATE subaccounts SET id = x'00' WHERE account_pk = 10999", "subaccounts", "id"),
            ("INSERT INTO subaccounts VALUES (20000, 0, 'orphan')", "subaccounts", "account_pk"),
        ])
    func damagedRows(_ damage: (sql: String, table: String, column: String)) async throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/s.sqlite"
        let store = try SQLiteStore(path: path)
        var book = DemoBook.generate(accounts: SQLiteStore.parallelLoadAccounts + 1_000, seed: 7)
        for i in [7, 100, 6000, 8000, 9000] where book.accounts[i].subaccounts.isEmpty {
            book.accounts[i].subaccounts = [SubAccount(id: "main")]
        }
        book.accounts[7].subaccounts[0].collateral.append(CollateralLine(asset: "USDC", amount: 1))
        book.accounts[100].subaccounts[0].collateral.append(CollateralLine(asset: "USDC", amount: 1))
        for i in [6000, 8000, 9000] {
            book.accounts[i].subaccounts[0].positions.append(book.accounts[1].subaccounts[0].positions[0])
        }
        try await store.importBook(book, operator: "tester")
        let q = try DatabaseQueue(path: path)
        try await q.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA foreign_keys = OFF")
            try db.execute(sql: damage.sql)
        }
        try q.close()
        await #expect(throws: StoreError.database("stored \(damage.table) row is damaged: \(damage.column)")) {
            _ = try await store.loadBook()
        }
        await store.close()
    }
}
