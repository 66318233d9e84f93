import Foundation
import MarginCore
import MarginLive
import MarginRuntime
import MarginStore
import Testing

/// The dashboard's reviews on a real SQLite store (issue 10, item 17): marked accounts are opened
/// all or none, and the figures the dialog showed are stored beside those recomputed at commit.
@Suite struct StoreReviewServiceTests {
    @Test func markedAccountsAreOpenedAllOrNoneWithTheConfirmedFigures() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("reviews-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let book = DemoBook.generate(accounts: 3, seed: 5)
        let store = try await openStore(.sqlite(path: dir.appendingPathComponent("s.sqlite").path), access: .create)
        try await store.importBook(book, operator: "test")
        let engine = LiveEngine(book: book, now: 1_790_000_000)
        let service = StoreReviewService(store: store, engine: engine, operatorName: "alice")
        var market = book
        market.accounts = []
        let shown = try book.accounts.map { a in
            var m = try ReviewMetrics.compute(account: a, market: market, at: 1_790_000_000.5)
            m.equity += 1  // as the dialog showed it a moment earlier
            return m
        }
        let ids = book.accounts.map(\.id)

        await #expect(throws: StoreError.accountNotFound("GONE")) {
            _ = try await service.openReviews(
                accountIds: [ids[0], "GONE"], note: "n", operator: "alice", metrics: shown)
        }
        #expect(try await store.reviews(status: nil).isEmpty)

        let opened = try await service.openReviews(
            accountIds: [ids[0], ids[1]], note: "margin call", operator: "alice", metrics: shown)
        #expect(opened.count == 2)
        for (i, id) in opened.enumerated() {
            let first = try #require(try await store.review(id: id)?.transitions.first)
            #expect(first.confirmed == shown[i])
            let atCommit = try ReviewMetrics.compute(
                account: book.accounts[i], market: market, prices: await engine.currentPrices(), at: first.at)
            #expect(first.metrics == atCommit)
        }
        await store.close()
    }
}
