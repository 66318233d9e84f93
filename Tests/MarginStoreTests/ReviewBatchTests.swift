import Foundation
import GRDB
import MarginCore
import StoreCommands
import StoreTestSupport
import Testing
import ThreadTestSupport

@testable import MarginStore

/// Reviews of several marked accounts (issue 10, item 17): one transaction, all or none, with the
/// figures the operator confirmed stored beside those recomputed at commit.
@Suite("Review batches", .serialized, .timeLimit(.minutes(2)))
struct ReviewBatchTests {
    @Test("a batch whose second account fails stores nothing", arguments: Backend.allCases)
    func allOrNone(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(4)
            try await f.store.importBook(book, operator: "tester")
            let audited = try await f.store.auditLog().count
            let first = book.accounts[0].id
            await #expect(throws: StoreError.accountNotFound("NOPE")) {
                _ = try await f.store.openReviews(
                    accounts: [first, "NOPE"], operator: "alice", note: "thin", prices: nil, confirmed: [])
            }
            #expect(try await f.store.reviews(status: nil).isEmpty)
            #expect(try await f.store.auditLog().count == audited)

            // One of them already in review: refused as a whole too.
            let held = try await f.store.openReview(
                account: book.accounts[1].id, operator: "bob", note: "mine", prices: nil)
            await #expect(throws: StoreError.activeReviewExists(account: book.accounts[1].id, review: held.id)) {
                _ = try await f.store.openReviews(
                    accounts: [first, book.accounts[1].id], operator: "alice", note: "thin", prices: nil,
                    confirmed: [])
            }
            #expect(try await f.store.reviews(status: nil).map(\.id) == [held.id])

            let opened = try await f.store.openReviews(
                accounts: [first, book.accounts[2].id], operator: "alice", note: "both", prices: nil, confirmed: [])
            #expect(opened.map(\.account) == [first, book.accounts[2].id])
            #expect(opened.allSatisfy { $0.status == .open && $0.transitions.first?.confirmed == nil })
            #expect(try await f.store.reviews(status: .open).count == 3)

            // `review open A B`: the same, from the command line.
            let exe = ChildProcess.storeExecutable()
            let args = ["review", "open", book.accounts[3].id, "NOPE", "--note", "n", "--store", f.urlString]
            let failed = try await offThread { try ChildProcess.run(exe, args, timeout: 60) }
            #expect(failed.status == 1 && failed.stderr.contains("NOPE"), "\(failed.stderr)")
            #expect(try await f.store.reviews(status: .open).count == 3)
        }
    }

    @Test("the confirmed figures and those recomputed at commit are both stored", arguments: Backend.allCases)
    func confirmedAndRecomputed(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(4)
            try await f.store.importBook(book, operator: "tester")
            let ids = [book.accounts[0].id, book.accounts[3].id]
            // What the dialog showed a moment before, at other prices than those of the commit.
            var shown = PriceState(book: book)
            for i in shown.assetPrice.indices { shown.assetPrice[i] *= 0.9 }
            var market = book
            market.accounts = []
            let confirmed = try ids.map { id in
                try ReviewMetrics.compute(
                    account: #require(book.accounts.first { $0.id == id }), market: market, prices: shown,
                    at: 1_790_000_000.125)
            }
            let live = PriceState(book: book)
            let opened = try await f.store.openReviews(
                accounts: ids, operator: "alice", note: "margin call", prices: live, confirmed: confirmed.reversed())
            for (i, review) in opened.enumerated() {
                let stored = try #require(try await f.store.review(id: review.id)?.transitions.first)
                #expect(stored.confirmed == confirmed[i])
                let recomputed = try ReviewMetrics.compute(
                    account: #require(book.accounts.first { $0.id == ids[i] }), market: market, prices: live,
                    at: stored.at)
                #expect(stored.metrics == recomputed)
                #expect(stored.metrics != stored.confirmed)
            }

            // `review list --format json` shows both, the existing keys unchanged.
            let json = ReviewOutput.json(try await f.store.reviews(status: nil))
            let doc = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let reviews = try #require(doc["reviews"] as? [[String: Any]])
            let transition = try #require((reviews.last?["transitions"] as? [[String: Any]])?.first)
            let metrics = try #require(transition["metrics"] as? [String: Any])
            let shownBack = try #require(transition["confirmedMetrics"] as? [String: Any])
            #expect(metrics["equity"] as? Double == opened[0].transitions[0].metrics?.equity)
            #expect(shownBack["equity"] as? Double == confirmed[0].equity)
        }
    }

    @Test("a store of schema v1 gains the confirmed figures when opened; its reviews read back")
    func migratesFromV1() async throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/v1.sqlite"
        let q = try DatabaseQueue(path: path)
        try await q.write { db in
            try db.execute(sql: SQLiteSchema.v1)
            for sql in SQLiteSchema.changeTriggers() { try db.execute(sql: sql) }
            try db.execute(sql: "CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)")
            try db.execute(sql: "INSERT INTO grdb_migrations VALUES ('v1')")
            try db.execute(
                sql: "INSERT INTO reviews (account_id, status, version, opened_by, opened_at_ms, updated_at_ms) "
                    + "VALUES ('ACC-OLD', 'open', 1, 'carol', 1000, 1000)")
            try db.execute(
                sql: "INSERT INTO review_transitions (review_id, version, status, operator, at_ms, note) "
                    + "VALUES (1, 1, 'open', 'carol', 1000, 'before v2')")
        }
        try q.close()
        let store = try await openStore(.sqlite(path: path), seedIfEmpty: false)
        let old = try #require(try await store.review(id: 1))
        #expect(old.transitions.map(\.note) == ["before v2"] && old.transitions[0].confirmed == nil)
        await store.close()
        let readOnly = try SQLiteStore(path: path, readOnly: true)
        await readOnly.close()
    }
}
