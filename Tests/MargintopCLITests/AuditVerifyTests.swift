import Foundation
import Testing
import ThreadTestSupport

/// `margintop audit verify` (issue 10, item 15): exit 0 and one line when the trail is intact,
/// 65 naming the first problem when a row was forged behind the store's back; text it quotes
/// cannot drive the terminal.
@Suite struct AuditVerifyTests {
    static let sqlite3 = "/usr/bin/sqlite3"

    func margintop(_ args: [String]) async throws -> CLITests.Run {
        try await offThread { try CLITests.runBlocking(args, stdin: nil) }
    }

    /// Runs SQL on the store file with the sqlite3 shell, outside margintop.
    func sql(_ path: String, _ statement: String) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.sqlite3)
        p.arguments = [path, statement]
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "sqlite3 \(statement)")
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: sqlite3)))
    func aForgedReviewIsExit65AndNotShown() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margintop-audit-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("s.sqlite").path
        let store = ["--store", "sqlite:" + path]
        let book = CLITests.fixtures.appendingPathComponent("example-book.json").path
        var r = try await margintop(["import", book, "--operator", "tester"] + store)
        #expect(r.status == 0, "\(r.stderr)")
        r = try await margintop(["review", "open", "ACC-1001", "--note", "thin", "--operator", "alice"] + store)
        #expect(r.status == 0, "\(r.stderr)")
        r = try await margintop(["audit", "verify"] + store)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.hasPrefix("audit trail intact: 2 audit rows and 1 review checked, head "))
        #expect(r.stdout.split(separator: " ").last?.count == 65)  // 64 hex digits and the newline

        try sql(path, "UPDATE reviews SET status = 'dismissed', opened_by = char(27) || '[2Jmallory' WHERE id = 1")
        r = try await margintop(["audit", "verify"] + store)
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(
            r.stderr
                == "margintop: audit trail broken: review 1: stored status dismissed, opened_by ^[[2Jmallory; "
                + "its transitions say status open, opened_by alice\n")
        r = try await margintop(["audit", "verify", "--format", "json"] + store)
        #expect(r.status == 65)
        #expect(r.stdout.contains(#""intact": false"#) && r.stdout.contains(#"\u001b[2Jmallory"#), "\(r.stdout)")
        #expect(!r.stdout.contains("\u{1B}") && !r.stderr.contains("\u{1B}"))
        r = try await margintop(["review", "list"] + store)
        #expect(r.status == 0)
        #expect(r.stdout.contains("open") && r.stdout.contains("alice") && !r.stdout.contains("mallory"))
        r = try await margintop(["review", "list", "--status", "dismissed"] + store)
        #expect(r.status == 0 && !r.stdout.contains("ACC-1001"), "\(r.stdout)")
    }
}
