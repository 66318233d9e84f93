import Foundation
import MarginCore
import StoreTestSupport
import Testing

@testable import MarginStore

@Suite("PostgreSQL server restarts", .timeLimit(.minutes(2)))
struct PostgresRestartTests {
    @Test("the watcher reports down, reconnects, and catches up on changes made meanwhile")
    func restart() async throws {
        try await withFixture(.postgres) { f in
            guard let server = f.server else {
                Issue.record("no server")
                return
            }
            let book = smallBook(6)
            try await f.store.importBook(book, operator: "tester")
            let status = await f.store.statusUpdates()
            let changes = await f.store.changes()
            _ = try await next(status, within: 5, "connected") { $0 == .connected }

            try server.stopServer(mode: "immediate")
            let down = try await next(status, within: 5, "status down") {
                if case .down = $0 { return true } else { return false }
            }
            print("[restart] status while stopped: \(down)")
            await #expect(throws: StoreError.self) { _ = try await f.store.accountCount() }

            try server.startServer()
            _ = try await next(status, within: 15, "status connected again") { $0 == .connected }
            // Commands reconnect too, and changes flow again.
            do {
                #expect(try await f.store.accountCount() == 6)
            } catch {
                Issue.record("command after restart: \(error)")
            }
            var a = book.accounts[1]
            a.subaccounts[0].collateral[0].amount = 777
            let other = try await f.openAnother()
            try await other.putAccount(a)
            await other.close()
            let seen = try await next(changes, within: 2, "change after reconnect") {
                if case .accountChanged = $0 { return true } else { return false }
            }
            #expect(seen == .accountChanged(a))
        }
    }

    @Test("an unreachable server is a clear error")
    func unreachable() async throws {
        let port = TestPostgres.freePort()
        let url = StoreURL.postgres(PostgresTarget(user: "postgres", host: "127.0.0.1", port: port, database: "x"))
        do {
            _ = try await openStore(url, seedIfEmpty: false)
            Issue.record("opened a store on a closed port")
        } catch {
            guard case .unreachable = error else {
                Issue.record("expected unreachable, got \(error)")
                return
            }
            #expect(error.description.contains("127.0.0.1:\(port)"))
        }
    }
}
