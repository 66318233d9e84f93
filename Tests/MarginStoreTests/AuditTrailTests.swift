import Foundation
import GRDB
import MarginCore
import PostgresNIO
import StoreTestSupport
import Testing
import ThreadTestSupport

@testable import MarginStore

/// The tamper-evident audit trail (issue 10, item 15): the hash chain, reviews replayed from
/// their transitions, `audit verify`, and the upgrade of a v2 store.
@Suite("Audit trail", .serialized, .timeLimit(.minutes(3)))
struct AuditTrailTests {
    let exe = ChildProcess.storeExecutable()

    func run(_ args: [String]) async throws -> ChildProcess.Result {
        let exe = self.exe
        return try await offThread { try ChildProcess.run(exe, args, timeout: 60) }
    }

    // MARK: the hash

    @Test("SHA-256 gives the FIPS 180-4 test vectors")
    func fipsVectors() {
        #expect(
            AuditChain.sha256(Array("abc".utf8)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(AuditChain.sha256([]) == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        #expect(
            AuditChain.sha256(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8))
                == "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        #expect(
            AuditChain.sha256([UInt8](repeating: 0x61, count: 1_000_000))
                == "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    @Test("a row's hash covers every column, length-prefixed, chained from 64 zeros")
    func rowHash() {
        #expect(AuditChain.genesis == String(repeating: "0", count: 64))
        // The same rows hashed by Python's hashlib with struct.pack(">Q", len) prefixes.
        let first = AuditChain.hash(
            prev: AuditChain.genesis, seq: 1, at: 1_800_000_000_000, operator: "alice", action: "import",
            payload: #"{"asOf":"2026-11-24T12:00:00Z","accounts":3}"#)
        #expect(first == "86688a4c799a6f03c4443540e28a7fa53fa1dfdfb5083f6db1794e5d424e3ba4")
        #expect(
            AuditChain.hash(prev: first, seq: 2, at: -5, operator: "ünï 😀\n", action: "review.open", payload: "{}")
                == "25dbd9ae100c311a94d6f5ab2a26587874053fa63272d13818f74fb297e56219")
        // Unambiguous: moving a byte from one field to the next changes the hash.
        let a = AuditChain.hash(prev: first, seq: 2, at: 5, operator: "ab", action: "c", payload: "{}")
        let b = AuditChain.hash(prev: first, seq: 2, at: 5, operator: "a", action: "bc", payload: "{}")
        #expect(a != b)
        let bytes = AuditChain.canonical(prev: "p", seq: 7, at: 8, operator: "", action: "x", payload: "")
        #expect(Array(bytes.prefix(8)) == [0, 0, 0, 0, 0, 0, 0, UInt8(AuditChain.tag.utf8.count)])
        #expect(bytes.count == 7 * 8 + AuditChain.tag.utf8.count + 1 + 1 + 1 + 1)
    }

    // MARK: the chain as the store writes it

    @Test("every write appends one row linked to the last; verify finds the trail intact", arguments: Backend.allCases)
    func chainIsWritten(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(4)
            try await f.store.importBook(book, operator: "tester")
            let r = try await f.store.openReview(
                account: book.accounts[0].id, operator: "alice", note: hostile, prices: nil)
            _ = try await f.store.acknowledgeReview(id: r.id, operator: "bob", note: "called")
            _ = try await f.store.resolveReview(id: r.id, outcome: .dismissed, operator: "carol")
            try await f.store.putAccount(book.accounts[1], operator: "system")
            try await f.store.removeAccount(id: book.accounts[2].id)
            _ = try await f.store.openReviews(
                accounts: [book.accounts[0].id, book.accounts[3].id], operator: "dave", note: "both", prices: nil,
                confirmed: [])
            let log = try await f.store.auditLog()
            #expect(log.map(\.seq) == Array(1...8))
            var prev = AuditChain.genesis
            for e in log {
                #expect(e.prevHash == prev, "row \(e.seq)")
                #expect(
                    e.hash
                        == AuditChain.hash(
                            prev: prev, seq: e.seq, at: Millis.from(seconds: e.at) ?? 0, operator: e.operator,
                            action: e.action, payload: e.payload), "row \(e.seq)")
                prev = e.hash
            }
            let report = try await f.store.verifyAudit()
            #expect(report == AuditReport(rows: 8, reviews: 3, head: prev, problems: []))

            let verified = try await run(["audit", "verify", "--store", f.urlString])
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stdout == "audit trail intact: 8 audit rows and 3 reviews checked, head \(prev)\n")
            let json = try await run(["audit", "verify", "--format", "json", "--store", f.urlString])
            #expect(json.status == 0)
            let doc = try JSONParser.parse(json.stdout)
            #expect(doc["format"] == .string("margintop.audit-verify/1"))
            #expect(doc["intact"] == .bool(true) && doc["head"] == .string(prev) && doc["rows"] == .number(8))
        }
    }

    @Test("a forged UPDATE of a review is reported and not shown", arguments: Backend.allCases)
    func forgedReviewRow(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(3)
            try await f.store.importBook(book, operator: "tester")
            let r = try await f.store.openReview(
                account: book.accounts[0].id, operator: "alice", note: "n", prices: nil)
            try await f.rawExecute("UPDATE reviews SET status = 'dismissed', opened_by = 'mallory' WHERE id = \(r.id)")

            let report = try await f.store.verifyAudit()
            #expect(
                report.problems == [
                    .forgedReview(
                        id: r.id,
                        differences: [
                            AuditDifference(field: "status", stored: "dismissed", derived: "open"),
                            AuditDifference(field: "opened_by", stored: "mallory", derived: "alice"),
                        ])
                ])
            // What the store shows is what the transitions say.
            let listed = try #require(try await f.store.reviews(status: nil).first)
            #expect(listed.status == .open && listed.openedBy == "alice")
            #expect(try await f.store.reviews(status: .open).map(\.id) == [r.id])
            #expect(try await f.store.reviews(status: .dismissed).isEmpty)

            let verified = try await run(["audit", "verify", "--store", f.urlString])
            #expect(verified.status == 65)
            #expect(verified.stdout.isEmpty)
            #expect(
                verified.stderr
                    == "margintop: audit trail broken: review \(r.id): stored status dismissed, opened_by mallory; "
                    + "its transitions say status open, opened_by alice\n")
            let list = try await run(["review", "list", "--store", f.urlString])
            #expect(list.status == 0)
            #expect(list.stdout.contains(" open ") && list.stdout.contains("alice") && !list.stdout.contains("mallory"))
            let json = try await run(["audit", "verify", "--format", "json", "--store", f.urlString])
            #expect(json.status == 65)
            let doc = try JSONParser.parse(json.stdout)
            #expect(doc["intact"] == .bool(false))
            guard case .array(let problems)? = doc["problems"], let first = problems.first else {
                Issue.record("no problems in \(json.stdout)")
                return
            }
            #expect(first["kind"] == .string("review") && first["review"] == .number(Double(r.id)))
        }
    }

    @Test(
        "a forged audit insert is reported: a made-up hash, and a well-hashed step no transition backs",
        arguments: Backend.allCases)
    func forgedAuditInsert(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(3)
            try await f.store.importBook(book, operator: "tester")
            let r = try await f.store.openReview(
                account: book.accounts[0].id, operator: "alice", note: "n", prices: nil)
            let head = try await f.store.auditLog().last!
            // Naive: the chain columns are required.
            await #expect(throws: (any Error).self) {
                try await f.rawExecute(
                    "INSERT INTO audit_log (seq, at_ms, operator, action, payload) VALUES (3, 1, 'x', 'note', '{}')")
            }
            let fake = String(repeating: "ab", count: 32)
            try await f.rawExecute(
                "INSERT INTO audit_log (seq, at_ms, operator, action, payload, prev_hash, hash) "
                    + "VALUES (3, 1, 'mallory', 'review.ack', '{}', '\(head.hash)', '\(fake)')")
            let expected = AuditChain.hash(
                prev: head.hash, seq: 3, at: 1, operator: "mallory", action: "review.ack", payload: "{}")
            var report = try await f.store.verifyAudit()
            #expect(report.problems.first == .badHash(seq: 3, expected: expected, found: fake))
            let verified = try await run(["audit", "verify", "--store", f.urlString])
            #expect(verified.status == 65)
            #expect(verified.stderr.contains("audit row 3: hash expected \(expected)"), "\(verified.stderr)")
            #expect(verified.stderr.contains("found \(fake)"))

            report = try await f.store.verifyAudit()
            #expect(report.rows == 3 && report.reviews == 1 && r.id == 1)
        }
    }

    @Test("a forger who hashes correctly still cannot invent a review step", arguments: Backend.allCases)
    func wellHashedForgery(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(3)
            try await f.store.importBook(book, operator: "tester")
            let r = try await f.store.openReview(
                account: book.accounts[0].id, operator: "alice", note: "n", prices: nil)
            let last = try await f.store.auditLog().last!
            let payload = AuditPayload.review(
                id: r.id, account: r.account, from: .open, to: .dismissed, version: 2, note: nil, metrics: nil)
            let hash = AuditChain.hash(
                prev: last.hash, seq: 3, at: 5, operator: "mallory", action: "review.resolve", payload: payload)
            try await f.rawExecute(
                "INSERT INTO audit_log (seq, at_ms, operator, action, payload, prev_hash, hash) VALUES "
                    + "(3, 5, 'mallory', 'review.resolve', '\(payload)', '\(last.hash)', '\(hash)')")
            let report = try await f.store.verifyAudit()
            #expect(
                report.problems == [
                    .unmatchedAudit(seq: 3, reason: "records review \(r.id) version 2, which has no such transition")
                ])
            #expect(report.head == hash)
            let verified = try await run(["audit", "verify", "--store", f.urlString])
            #expect(verified.status == 65)
            #expect(verified.stderr.contains("audit row 3: records review \(r.id) version 2"), "\(verified.stderr)")
        }
    }

    @Test("an audit row edited or removed behind dropped triggers breaks the chain there", arguments: Backend.allCases)
    func editedAuditRow(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(3)
            try await f.store.importBook(book, operator: "tester")
            for a in book.accounts { try await f.store.putAccount(a, operator: "bob") }
            let log = try await f.store.auditLog()
            #expect(log.count == 4)
            switch backend {
            case .sqlite: try await f.rawExecute("DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete")
            case .postgres: try await f.rawExecute("DROP TRIGGER audit_log_append_only ON audit_log")
            }
            try await f.rawExecute("UPDATE audit_log SET operator = 'mallory' WHERE seq = 2")
            let edited = AuditChain.hash(
                prev: log[0].hash, seq: 2, at: Millis.from(seconds: log[1].at) ?? 0, operator: "mallory",
                action: log[1].action, payload: log[1].payload)
            var report = try await f.store.verifyAudit()
            #expect(report.problems == [.badHash(seq: 2, expected: edited, found: log[1].hash)])
            let verified = try await run(["audit", "verify", "--store", f.urlString])
            #expect(verified.status == 65)
            #expect(
                verified.stderr.contains("audit row 2: hash expected \(edited) (recomputed from its columns), found"))

            // Re-hashing the edited row only moves the break to the next row.
            try await f.rawExecute("UPDATE audit_log SET hash = '\(edited)' WHERE seq = 2")
            report = try await f.store.verifyAudit()
            #expect(report.problems == [.brokenLink(seq: 3, expected: edited, found: log[1].hash)])
            // And removing a row breaks the link of the one after it.
            try await f.rawExecute("UPDATE audit_log SET operator = 'bob', hash = '\(log[1].hash)' WHERE seq = 2")
            #expect(try await f.store.verifyAudit().intact)
            try await f.rawExecute("DELETE FROM audit_log WHERE seq = 3")
            report = try await f.store.verifyAudit()
            #expect(report.problems == [.brokenLink(seq: 4, expected: log[1].hash, found: log[2].hash)])
        }
    }

    @Test("a transition removed or rewritten behind dropped triggers is reported", arguments: Backend.allCases)
    func editedTransitions(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(3)
            try await f.store.importBook(book, operator: "tester")
            let r = try await f.store.openReview(
                account: book.accounts[0].id, operator: "alice", note: "n", prices: nil)
            _ = try await f.store.acknowledgeReview(id: r.id, operator: "bob", note: "called")
            switch backend {
            case .sqlite:
                try await f.rawExecute(
                    "DROP TRIGGER review_transitions_no_update; DROP TRIGGER review_transitions_no_delete")
            case .postgres: try await f.rawExecute("DROP TRIGGER review_transitions_append_only ON review_transitions")
            }
            try await f.rawExecute("UPDATE review_transitions SET note = 'nothing to see' WHERE version = 2")
            #expect(
                try await f.store.verifyAudit().problems == [
                    .unauditedTransition(
                        review: r.id, version: 2, reason: "its audit row 3 says otherwise: note in its payload")
                ])
            // Rolled back to open by removing the acknowledgement: the stored row and the audit row disagree.
            try await f.rawExecute("DELETE FROM review_transitions WHERE version = 2")
            let problems = try await f.store.verifyAudit().problems
            #expect(problems.count == 2)
            guard case .forgedReview(let id, let differences) = problems.first else {
                Issue.record("not a forged review: \(problems)")
                return
            }
            #expect(id == r.id)
            #expect(
                Array(differences.prefix(2)) == [
                    AuditDifference(field: "status", stored: "acknowledged", derived: "open"),
                    AuditDifference(field: "version", stored: "2", derived: "1"),
                ])
            #expect(
                problems.last
                    == .unmatchedAudit(seq: 3, reason: "records review \(r.id) version 2, which has no such transition")
            )
        }
    }
}
