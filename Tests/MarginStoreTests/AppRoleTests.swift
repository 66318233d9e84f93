import Foundation
import MarginCore
import PostgresNIO
import StoreTestSupport
import Testing
import ThreadTestSupport

@testable import MarginStore

/// PostgreSQL's application role (issue 10, item 15): the owner role runs migrations and grants;
/// the application role owns nothing, so it cannot drop a trigger, rewrite the audit trail or
/// alter a table, and the flows still work as it.
@Suite("PostgreSQL application role", .serialized, .timeLimit(.minutes(3)))
struct AppRoleTests {
    let exe = ChildProcess.storeExecutable()

    func run(_ args: [String]) async throws -> ChildProcess.Result {
        let exe = self.exe
        return try await offThread { try ChildProcess.run(exe, args, timeout: 60) }
    }

    static func target(_ server: TestPostgres, _ user: String) -> PostgresTarget {
        PostgresTarget(user: user, host: "127.0.0.1", port: server.port, database: server.database)
    }

    /// `sql` run as `user` fails with insufficient_privilege (42501).
    static func refused(_ server: TestPostgres, _ user: String, _ sql: String) async -> String? {
        do {
            try await rawSQL(.postgres(target(server, user)), sql)
            return nil
        } catch {
            let e = serverError(error)
            return e.state == "42501" ? e.message : "other error \(e.state): \(e.message)"
        }
    }

    @Test("the application role runs the flows and cannot drop a trigger, rewrite the trail or alter a table")
    func appRole() async throws {
        let server = try TestPostgres.start()
        defer { server.destroy() }
        let admin = StoreURL.postgres(Self.target(server, "postgres"))
        for sql in [
            "CREATE ROLE mt_owner LOGIN", "CREATE ROLE mt_app LOGIN", "GRANT CREATE ON SCHEMA public TO mt_owner",
        ] {
            try await rawSQL(admin, sql)
        }
        let ownerURL = "postgres://mt_owner@127.0.0.1:\(server.port)/\(server.database)"
        let appURL = "postgres://mt_app@127.0.0.1:\(server.port)/\(server.database)"
        let book = smallBook(6)

        // The owner creates the schema (migrate), imports, and grants.
        let migrated = try await run(["migrate", "--store", ownerURL])
        #expect(migrated.status == 0, "\(migrated.stderr)")
        let owner = try await openStore(.postgres(Self.target(server, "mt_owner")), seedIfEmpty: false)
        try await owner.importBook(book, operator: "tester")
        await owner.close()
        let printed = try await run(["grant-app-role", "mt_app", "--print", "--store", ownerURL])
        #expect(printed.status == 0, "\(printed.stderr)")
        #expect(
            printed.stdout.contains(
                "GRANT UPDATE (status, version, updated_at_ms) ON \"public\".reviews TO \"mt_app\";"))
        #expect(await Self.refused(server, "mt_app", "SELECT count(*) FROM audit_log") != nil, "--print granted")
        let granted = try await run(["grant-app-role", "mt_app", "--store", ownerURL])
        #expect(granted.status == 0, "\(granted.stderr)")
        #expect(granted.stdout.hasSuffix("granted: mt_app is the application role\n"))
        // A role that owns something, a superuser or a missing role is refused.
        for (name, message) in [
            ("mt_owner", "role mt_owner owns"), ("postgres", "role postgres is a superuser"),
            ("nobody_here", "no role nobody_here"),
        ] {
            let r = try await run(["grant-app-role", name, "--store", ownerURL])
            #expect(r.status == 1 && r.stderr.contains(message), "\(name): \(r.stderr)")
        }
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        await (try await openStore(.sqlite(path: dir + "/s.sqlite"), access: .create, seedIfEmpty: false)).close()
        let sqlite = try await run(["grant-app-role", "mt_app", "--store", "sqlite:" + dir + "/s.sqlite"])
        #expect(sqlite.status == 64 && sqlite.stderr.contains("needs a PostgreSQL store"), "\(sqlite.stderr)")

        // The flows as the application role: open, ack, resolve; account edits; an import.
        let app = try await openStore(.postgres(Self.target(server, "mt_app")), seedIfEmpty: false)
        do {
            let r = try await app.openReview(account: book.accounts[0].id, operator: "alice", note: "n", prices: nil)
            _ = try await app.acknowledgeReview(id: r.id, operator: "alice")
            let done = try await app.resolveReview(id: r.id, outcome: .liquidated, operator: "alice")
            #expect(done.status == .liquidated && done.version == 3)
            _ = try await app.openReviews(
                accounts: [book.accounts[1].id, book.accounts[2].id], operator: "bob", note: "both", prices: nil,
                confirmed: [])
            var edited = book.accounts[3]
            edited.name = "renamed"
            try await app.putAccount(edited)
            #expect(try await app.removeAccount(id: book.accounts[4].id))
            try await app.importBook(book, operator: "tester")
            #expect(try await app.loadBook() == book)
            #expect(try await app.verifyAudit().intact)
            await app.close()
        } catch {
            await app.close()
            throw error
        }
        let opened = try await run(["review", "open", book.accounts[5].id, "--note", "n", "--store", appURL])
        #expect(opened.status == 0, "\(opened.stderr)")

        // What it cannot do.
        for sql in [
            "DROP TRIGGER audit_log_append_only ON audit_log",
            "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
            "UPDATE audit_log SET operator = 'mallory'",
            "DELETE FROM audit_log",
            "TRUNCATE audit_log",
            "DELETE FROM review_transitions",
            "UPDATE review_transitions SET note = 'x'",
            "UPDATE reviews SET opened_by = 'mallory'",
            "DELETE FROM reviews",
            "DROP TABLE audit_log",
            "ALTER TABLE reviews ADD COLUMN x TEXT",
            "CREATE TABLE shadow (x TEXT)",
            "CREATE OR REPLACE FUNCTION mt_append_only() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$",
        ] {
            let message = await Self.refused(server, "mt_app", sql)
            #expect(message?.contains("other error") == false, "\(sql): \(message ?? "accepted")")
        }
        // A status it may write, since the flows do: caught by verify, not shown.
        try await rawSQL(
            .postgres(Self.target(server, "mt_app")), "UPDATE reviews SET status = 'dismissed' WHERE id = 2")
        let verified = try await run(["audit", "verify", "--store", appURL])
        #expect(verified.status == 65)
        #expect(verified.stderr.contains("review 2: stored status dismissed"), "\(verified.stderr)")

        // An older schema: the application role may not upgrade it, and says who can.
        try await rawSQL(
            admin, "DELETE FROM schema_migrations WHERE version = (SELECT max(version) FROM schema_migrations)")
        let outdated = try await run(["review", "ack", "1", "--store", appURL])
        #expect(outdated.status == 1)
        #expect(outdated.stderr.contains("role mt_app may not upgrade it"), "\(outdated.stderr)")
        #expect(outdated.stderr.contains("margintop-store migrate"))
    }
}
