import Foundation
import MarginCore
import StoreTestSupport
import Testing

@testable import MarginStore

/// The behaviour every backend must show; each test runs against SQLite and PostgreSQL.
@Suite("Store behaviour", .serialized, .timeLimit(.minutes(2)))
struct StoreBehaviourTests {
    @Test("export gives back the imported book, doubles exact and order kept", arguments: Backend.allCases)
    func roundTrip(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            var book = smallBook(15)
            // Awkward doubles and an order that is not sorted.
            book.accounts.reverse()
            book.accounts[0].subaccounts[0].collateral.append(CollateralLine(asset: "USDC", amount: 0.1 + 0.2))
            book.accounts[1].subaccounts[0].collateral.append(
                CollateralLine(asset: "USDC", amount: Double.leastNonzeroMagnitude))
            // Seventeen significant digits near the largest amount a book may hold (a larger one
            // overflows its figures and is invalid data: issue 10, item 8).
            book.accounts[2].subaccounts[0].collateral.append(
                CollateralLine(asset: "BTC", amount: -1.7976931348623157e298))
            book.accounts[3].subaccounts[0].positions.append(
                Position(instrument: "BTC-PERP", quantity: 1e-17, entryPrice: 60000.000000000007))
            book.insuranceFund = 123456789.123456789
            try await f.store.importBook(book, operator: "tester")
            let loaded = try await f.store.loadBook()
            #expect(loaded == book)
            #expect(BookEncoder.encode(loaded) == BookEncoder.encode(book))
            let decoded = try BookDecoder.decode(Array(BookEncoder.encode(loaded).utf8))
            #expect(decoded == book)
            #expect(loaded.accounts.map(\.id) == book.accounts.map(\.id))
            #expect(try await f.store.accountCount() == 15)

            // The spec's example: sub-accounts, venues, isolated positions, no history.
            let example = try BookDecoder.decode(Array(Self.exampleBook.utf8), file: "example.json")
            try await f.store.importBook(example, operator: "tester")
            #expect(try await f.store.loadBook() == example)
            #expect(try await f.store.loadAccount(id: "ACC-1001") == example.accounts[0])
            #expect(try await f.store.loadAccount(id: "nope") == nil)
        }
    }

    @Test("a bad book or a failure midway changes nothing", arguments: Backend.allCases)
    func failedImportChangesNothing(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(10)
            try await f.store.importBook(book, operator: "tester")
            let auditBefore = try await f.store.auditLog()

            var bad = smallBook(30, seed: 9)
            bad.accounts[20].subaccounts[0].positions.append(
                Position(instrument: "BTC-PERPX", quantity: 1, entryPrice: 1))
            await #expect(throws: StoreError.self) { try await f.store.importBook(bad, operator: "tester") }

            // Past validation: the database itself fails at the 25th account (duplicate id), after
            // the old book was deleted and 24 accounts written.
            var midway = smallBook(30, seed: 9)
            midway.accounts[25].id = midway.accounts[3].id
            let sqlite = f.store as? SQLiteStore
            let pg = f.store as? PostgresStore
            await #expect(throws: StoreError.self) {
                if let sqlite { _ = try await sqlite.importUnchecked(midway, operator: "tester") }
                if let pg { _ = try await pg.importUnchecked(midway, operator: "tester") }
            }
            #expect(try await f.store.loadBook() == book)
            #expect(try await f.store.auditLog() == auditBefore)
        }
    }

    @Test("changes from another process or connection reach a watcher within 1 s", arguments: Backend.allCases)
    func changeWatching(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(8)
            try await f.store.importBook(book, operator: "tester")
            let changes = await f.store.changes()
            let target = book.accounts[2].id

            // Another process: the executable run as a child.
            let exe = ChildProcess.storeExecutable()
            let r = try ChildProcess.run(
                exe, ["touch-account", target, "--amount", "4242.5", "--store", f.urlString],
                timeout: 30)
            #expect(r.status == 0, "child failed: \(r.stderr)")
            let exited = ContinuousClock.now
            let seen = try await next(changes, within: 1.0, "change from a child process") {
                if case .accountChanged(let a) = $0 { return a.id == target } else { return false }
            }
            let childLatency = ContinuousClock.now - exited
            if case .accountChanged(let a) = seen {
                #expect(a.subaccounts[0].collateral.first?.amount == 4242.5)
            }

            // Another connection in this process: added, changed, removed, replaced; latency measured.
            let other = try await f.openAnother()
            var added = book.accounts[0]
            added.id = "NEW-1"
            added.name = hostile
            var t0 = ContinuousClock.now
            try await other.putAccount(added)
            let a1 = try await next(changes, within: 1.0, "account added") {
                if case .accountAdded = $0 { return true } else { return false }
            }
            let addLatency = ContinuousClock.now - t0
            #expect(a1 == .accountAdded(added))

            added.subaccounts[0].collateral[0].amount += 1
            t0 = ContinuousClock.now
            try await other.putAccount(added)
            #expect(
                try await next(changes, within: 1.0, "account changed", where: { _ in true }) == .accountChanged(added))
            let changeLatency = ContinuousClock.now - t0

            try await other.removeAccount(id: "NEW-1")
            #expect(
                try await next(changes, within: 1.0, "account removed", where: { _ in true })
                    == .accountRemoved(id: "NEW-1"))

            try await other.importBook(smallBook(5, seed: 2), operator: "other")
            #expect(try await next(changes, within: 1.0, "book replaced", where: { _ in true }) == .bookReplaced)
            await other.close()
            print(
                "[latency] \(backend.rawValue): child process \(childLatency) after exit; "
                    + "add \(addLatency), change \(changeLatency) after commit")

            // Unknown instruments from another system are refused.
            var broken = added
            broken.subaccounts[0].positions = [Position(instrument: "NOPE", quantity: 1, entryPrice: 1)]
            await #expect(throws: StoreError.self) { try await f.store.putAccount(broken) }
        }
    }

    @Test("review lifecycle with metrics at each step", arguments: Backend.allCases)
    func reviewLifecycle(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(10)
            try await f.store.importBook(book, operator: "tester")
            let snap = try Snapshot.compute(book: book)
            let acct = book.accounts[4].id
            guard let row = snap.rows.first(where: { $0.id == acct }) else {
                Issue.record("no row")
                return
            }

            let r1 = try await f.store.openReview(account: acct, operator: "alice", note: "looks thin", prices: nil)
            #expect(r1.status == .open && r1.version == 1 && r1.openedBy == "alice")
            let m = try #require(r1.transitions.first?.metrics)
            #expect(m.equity == row.detail.metrics.equity)
            #expect(m.adjustedEquity == row.detail.metrics.adjustedEquity)
            #expect(m.initialMargin == row.detail.metrics.initialMargin)
            #expect(m.maintenanceMargin == row.detail.metrics.maintenanceMargin)
            #expect(m.marginRatio == row.detail.marginRatio)
            #expect(m.state == row.detail.state.name)
            #expect(m.distanceToLiquidation == row.detail.distanceToLiquidation)

            // A second review of the same account is refused while this one is active.
            await #expect(throws: StoreError.self) {
                _ = try await f.store.openReview(account: acct, operator: "bob", note: "dup", prices: nil)
            }
            await #expect(throws: StoreError.accountNotFound("NOPE")) {
                _ = try await f.store.openReview(account: "NOPE", operator: "bob", note: "x", prices: nil)
            }

            // Live prices override the book's: BTC down 30%.
            var prices = PriceState(book: book)
            for (i, a) in book.assets.enumerated() where !a.stable { prices.assetPrice[i] *= 0.7 }
            prices.mark = prices.mark.map { $0.map { $0 * 0.7 } }
            let r2 = try await f.store.acknowledgeReview(
                id: r1.id, expectedVersion: 1, operator: "bob", note: "on it",
                prices: prices)
            #expect(r2.status == .acknowledged && r2.version == 2)
            #expect(r2.transitions.count == 2)
            var market = book
            market.accounts = []
            #expect(
                r2.transitions[1].metrics
                    == (try ReviewMetrics.compute(
                        account: book.accounts[4], market: market,
                        prices: prices, at: r2.transitions[1].at)))
            #expect(r2.transitions[1].metrics?.equity != r2.transitions[0].metrics?.equity)

            await #expect(throws: StoreError.illegalTransition(review: r1.id, from: .acknowledged, to: .acknowledged)) {
                _ = try await f.store.acknowledgeReview(id: r1.id, operator: "bob")
            }
            let r3 = try await f.store.resolveReview(id: r1.id, outcome: .liquidated, operator: "carol", note: "done")
            #expect(r3.status == .liquidated && r3.version == 3)
            #expect(r3.notes == ["looks thin", "on it", "done"])
            #expect(r3.transitions.map(\.operator) == ["alice", "bob", "carol"])
            await #expect(throws: StoreError.illegalTransition(review: r1.id, from: .liquidated, to: .dismissed)) {
                _ = try await f.store.resolveReview(id: r1.id, outcome: .dismissed, operator: "bob")
            }
            await #expect(throws: StoreError.reviewNotFound(999)) {
                _ = try await f.store.acknowledgeReview(id: 999, operator: "bob")
            }
            // Open → dismissed directly is allowed; a resolved account can be reviewed again.
            let r4 = try await f.store.openReview(account: acct, operator: "alice", note: "again", prices: nil)
            let r5 = try await f.store.resolveReview(id: r4.id, outcome: .dismissed, operator: "alice")
            #expect(r5.status == .dismissed)
            #expect(try await f.store.review(id: r1.id) == r3)
            #expect(try await f.store.reviews(status: .liquidated).map(\.id) == [r1.id])
            #expect(try await f.store.reviews(status: nil).map(\.id) == [r4.id, r1.id])

            // Every action is in the audit log, in order, with its operator.
            let audit = try await f.store.auditLog()
            #expect(
                audit.map(\.action) == [
                    "import", "review.open", "review.ack", "review.resolve", "review.open",
                    "review.resolve",
                ])
            #expect(audit.map(\.operator) == ["tester", "alice", "bob", "carol", "alice", "alice"])
            let payload = try JSONSerialization.jsonObject(with: Data(audit[2].payload.utf8)) as? [String: Any]
            #expect(payload?["review"] as? Int == Int(r1.id))
            #expect(payload?["to"] as? String == "acknowledged")
        }
    }

    @Test("review and audit times come from the store's clock", arguments: Backend.allCases)
    func injectedClock(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(4)
            try await f.store.importBook(book, operator: "tester")
            let clock = ManualClock(start: 1_800_000_000.25)
            let store = try await openStore(f.url, seedIfEmpty: false, clock: clock)
            let r1 = try await store.openReview(account: book.accounts[1].id, operator: "alice", note: "n", prices: nil)
            #expect(r1.openedAt == 1_800_000_000.25 && r1.transitions[0].at == 1_800_000_000.25)
            #expect(r1.transitions[0].metrics?.computedAt == 1_800_000_000.25)
            clock.advance(by: .seconds(90))
            let r2 = try await store.acknowledgeReview(id: r1.id, operator: "bob")
            #expect(r2.openedAt == 1_800_000_000.25 && r2.updatedAt == 1_800_000_090.25)
            #expect(try await store.auditLog().last?.at == 1_800_000_090.25)
            await store.close()
        }
    }

    @Test("two operators on one review: the second gets a conflict", arguments: Backend.allCases)
    func conflicts(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(6)
            try await f.store.importBook(book, operator: "tester")
            let other = try await f.openAnother()
            let r = try await f.store.openReview(
                account: book.accounts[1].id, operator: "alice", note: "x", prices: nil)
            let seenByBob = try #require(try await other.review(id: r.id))
            _ = try await f.store.acknowledgeReview(id: r.id, expectedVersion: r.version, operator: "alice")
            await #expect(throws: StoreError.conflict(review: r.id, expected: 1, found: 2)) {
                _ = try await other.resolveReview(
                    id: r.id, outcome: .dismissed, expectedVersion: seenByBob.version,
                    operator: "bob")
            }
            // At the same moment from two connections: exactly one wins.
            let r2 = try await f.store.openReview(
                account: book.accounts[2].id, operator: "alice", note: "y", prices: nil)
            let store = f.store
            async let a: Result<Review, StoreError> = attempt { () async throws(StoreError) -> Review in
                try await store.resolveReview(id: r2.id, outcome: .liquidated, expectedVersion: 1, operator: "alice")
            }
            async let b: Result<Review, StoreError> = attempt { () async throws(StoreError) -> Review in
                try await other.resolveReview(id: r2.id, outcome: .dismissed, expectedVersion: 1, operator: "bob")
            }
            let results = await [a, b]
            let wins = results.filter { if case .success = $0 { return true } else { return false } }
            #expect(wins.count == 1)
            for case .failure(let e) in results {
                switch e {
                case .conflict, .illegalTransition: break
                default: Issue.record("unexpected error \(e)")
                }
            }
            let final = try #require(try await f.store.review(id: r2.id))
            #expect(final.version == 2 && final.transitions.count == 2)
            await other.close()
        }
    }

    @Test("the database refuses UPDATE and DELETE on the audit log", arguments: Backend.allCases)
    func auditImmutable(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(4)
            try await f.store.importBook(book, operator: "tester")
            _ = try await f.store.openReview(account: book.accounts[0].id, operator: "alice", note: "n", prices: nil)
            let before = try await f.store.auditLog()
            #expect(before.count == 2)
            await #expect(throws: (any Error).self) {
                try await f.rawExecute("UPDATE audit_log SET operator = 'mallory'")
            }
            await #expect(throws: (any Error).self) { try await f.rawExecute("DELETE FROM audit_log") }
            await #expect(throws: (any Error).self) { try await f.rawExecute("DELETE FROM review_transitions") }
            if backend == .postgres {
                await #expect(throws: (any Error).self) { try await f.rawExecute("TRUNCATE audit_log") }
            }
            // An append must carry the chain's columns; one that makes them up is stored, and
            // `audit verify` reports it (AuditTrailTests).
            await #expect(throws: (any Error).self) {
                try await f.rawExecute(
                    "INSERT INTO audit_log (seq, at_ms, operator, action, payload) VALUES (3, 1, 'x', 'note', '{}')")
            }
            try await f.rawExecute(
                "INSERT INTO audit_log (seq, at_ms, operator, action, payload, prev_hash, hash) "
                    + "VALUES (3, 1, 'x', 'note', '{}', '\(before[1].hash)', 'made-up')")
            let after = try await f.store.auditLog()
            #expect(Array(after.prefix(2)) == before)
            #expect(after.count == 3)
            #expect(try await f.store.verifyAudit().problems.map(\.kind) == ["hash"])
        }
    }

    @Test("store changes applied to an in-memory book give the stored book")
    func changesApplyToABook() async throws {
        let book = smallBook(4)
        var changed = book.accounts[1]
        changed.name = "renamed"
        var added = book.accounts[0]
        added.id = "NEW-1"
        let applied = try #require(
            book.applying([
                .accountChanged(changed), .accountAdded(added), .accountRemoved(id: book.accounts[2].id),
                .accountRemoved(id: "nobody"), .accountChanged(added),
            ]))
        #expect(applied.accounts.map(\.id) == [book.accounts[0].id, book.accounts[1].id, book.accounts[3].id, "NEW-1"])
        #expect(applied.accounts[1].name == "renamed")
        // Removed then added again in one batch: it is back in its place.
        let back = try #require(
            book.applying([.accountRemoved(id: book.accounts[0].id), .accountAdded(book.accounts[0])]))
        #expect(back.accounts.map(\.id) == book.accounts.map(\.id))
        #expect(book.applying([.accountChanged(changed), .marketChanged]) == nil)
        #expect(book.applying([.bookReplaced]) == nil)
    }

    @Test("account edits are audited with their operator in the same transaction", arguments: Backend.allCases)
    func editsAreAudited(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            var book = smallBook(3)
            try await f.store.importBook(book, operator: "tester")
            book.accounts[0].name = "renamed"
            try await f.store.putAccount(book.accounts[0], operator: "desk-1")
            #expect(try await f.store.removeAccount(id: book.accounts[1].id, operator: "desk-2"))
            #expect(try await f.store.removeAccount(id: "nobody", operator: "desk-2") == false)
            try await f.store.putAccount(book.accounts[2])
            let log = try await f.store.auditLog()
            #expect(log.map(\.action) == ["import", "account.put", "account.remove", "account.put"])
            #expect(log.map(\.operator) == ["tester", "desk-1", "desk-2", "system"])
            #expect(
                log[1].payload.contains("\"account\":\"\(book.accounts[0].id)\"")
                    && log[1].payload.contains("\"removed\":false"))
            #expect(log[2].payload.contains("\"removed\":true"))
            // A refused edit (an unknown instrument) writes neither the account nor an audit entry.
            var bad = book.accounts[0]
            bad.subaccounts[0].positions.append(Position(instrument: "NOPE-PERP", quantity: 1, entryPrice: 1))
            await #expect(throws: StoreError.self) { try await f.store.putAccount(bad, operator: "desk-1") }
            #expect(try await f.store.auditLog().count == 4)
        }
    }

    @Test("quotes, semicolons, newlines and terminal escapes come back byte for byte", arguments: Backend.allCases)
    func hostileText(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            var book = smallBook(5)
            book.accounts[1].id = "ACC;'\"\n\u{1b}]0;pwned\u{07}"
            book.accounts[1].name = hostile
            book.accounts[2].subaccounts[0].id = hostile
            try await f.store.importBook(book, operator: hostile)
            let loaded = try await f.store.loadBook()
            #expect(loaded == book)
            #expect(Array(loaded.accounts[1].name?.utf8 ?? "".utf8) == Array(hostile.utf8))
            let r = try await f.store.openReview(
                account: book.accounts[1].id, operator: hostile, note: hostile,
                prices: nil)
            let back = try #require(try await f.store.review(id: r.id))
            #expect(back.account == book.accounts[1].id)
            #expect(Array(back.openedBy.utf8) == Array(hostile.utf8))
            #expect(back.notes == [hostile])
            let audit = try await f.store.auditLog()
            #expect(audit.allSatisfy { $0.operator == hostile })
            let payload = try JSONSerialization.jsonObject(with: Data(audit[1].payload.utf8)) as? [String: Any]
            #expect(payload?["note"] as? String == hostile)
            #expect(payload?["account"] as? String == book.accounts[1].id)
        }
    }

    static let exampleBook = """
        {
          "format": "margintop.book/1", "asOf": "2026-11-24T12:00:00Z", "quote": "USD", "insuranceFund": 5000000,
          "defaults": {"model": "standard", "warn": 0.70, "danger": 0.90},
          "assets": {
            "USDC": {"price": 1, "stable": true, "haircut": 0, "borrowAddOn": 0.05},
            "BTC":  {"price": 60000, "haircut": 0.05, "borrowAddOn": 0.10, "vol": 0.55, "scanRange": 0.15, "volScanRange": 0.10},
            "ETH":  {"price": 3000, "haircut": 0.08, "borrowAddOn": 0.12, "vol": 0.70, "scanRange": 0.20, "volScanRange": 0.12}
          },
          "venues": {"deribit": {"haircutAddOn": 0}, "arbitrum": {"haircutAddOn": 0.02, "transferLatencySeconds": 900}},
          "instruments": {
            "BTC-PERP": {"kind": "perpetual", "underlying": "BTC", "contractSize": 1, "mark": 60010,
                         "brackets": [{"upTo": 250000, "imf": 0.02, "mmf": 0.01}, {"upTo": 1000000, "imf": 0.04, "mmf": 0.02},
                                      {"upTo": null, "imf": 0.10, "mmf": 0.05}]},
            "ETH-PERP": {"kind": "perpetual", "underlying": "ETH", "contractSize": 1,
                         "brackets": [{"upTo": 100000, "imf": 0.025, "mmf": 0.0125}, {"upTo": null, "imf": 0.05, "mmf": 0.025}]},
            "BTC-27DEC26": {"kind": "future", "underlying": "BTC", "contractSize": 1, "expiry": "2026-12-27T08:00:00Z",
                            "brackets": [{"upTo": null, "imf": 0.03, "mmf": 0.015}]},
            "BTC-27DEC26-60000-C": {"kind": "option", "underlying": "BTC", "right": "call", "strike": 60000,
                                    "expiry": "2026-12-27T08:00:00Z", "contractSize": 1, "iv": 0.60}
          },
          "accounts": [
            {"id": "ACC-1001", "name": "Alpha Fund", "model": "standard",
             "subaccounts": [
               {"id": "main",
                "collateral": [{"asset": "USDC", "amount": 250000, "venue": "deribit"},
                               {"asset": "BTC", "amount": 2.5, "venue": "arbitrum"}],
                "positions": [{"instrument": "BTC-PERP", "quantity": -4, "entryPrice": 61000},
                              {"instrument": "BTC-27DEC26-60000-C", "quantity": -10, "entryPrice": 3100}]},
               {"id": "hedge",
                "collateral": [{"asset": "USDC", "amount": 50000}],
                "positions": [{"instrument": "BTC-PERP", "quantity": 1.5, "entryPrice": 59000},
                              {"instrument": "ETH-PERP", "quantity": 20, "entryPrice": 3100, "isolatedCollateral": 8000}]}
             ]},
            {"id": "ACC-1002", "collateral": [{"asset": "USDC", "amount": 1000}], "positions": []}
          ]
        }
        """
}

/// Runs `body`, capturing its typed error.
func attempt<T: Sendable>(_ body: () async throws(StoreError) -> T) async -> Result<T, StoreError> {
    do { return .success(try await body()) } catch { return .failure(error) }
}
