import Foundation
import MarginCore
import MarginStore
import StoreTestSupport
import Testing
import ThreadTestSupport

/// End-to-end: the built `margintop-store` executable, its output and exit statuses.
@Suite("Command line", .timeLimit(.minutes(2)))
struct CLITests {
    let exe = ChildProcess.storeExecutable()

    func run(_ args: [String], env: [String: String]? = nil) async throws -> ChildProcess.Result {
        let exe = self.exe
        return try await offThread { try ChildProcess.run(exe, args, environment: env, timeout: 60) }
    }

    @Test("import, export, review: statuses and output")
    func endToEnd() async throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = "sqlite:\(dir)/s.sqlite"
        let bookPath = dir + "/book.json"
        try Data(BookEncoder.encode(smallBook(5)).utf8).write(to: URL(fileURLWithPath: bookPath))

        var r = try await run(["import", bookPath, "--store", store])
        #expect(r.status == 0, "\(r.stderr)")
        // export is compact by default (the same book), and `--pretty` writes the imported file byte for byte.
        r = try await run(["export", "--store", store, "--out", dir + "/out.json"])
        #expect(r.status == 0)
        let compact = try String(contentsOfFile: dir + "/out.json", encoding: .utf8)
        #expect(compact == BookEncoder.encode(smallBook(5), pretty: false))
        #expect(try BookDecoder.decode(Array(compact.utf8)) == smallBook(5))
        r = try await run(["export", "--store", store, "--pretty"])
        #expect(r.status == 0)
        #expect(r.stdout == (try String(contentsOfFile: bookPath, encoding: .utf8)))

        // A bad book: 65, file and JSON path on stderr, nothing on stdout, store unchanged.
        var bad = smallBook(5)
        bad.accounts[3].subaccounts[0].positions.append(Position(instrument: "BTC-PERPX", quantity: 1, entryPrice: 1))
        let badPath = dir + "/bad.json"
        try Data(BookEncoder.encode(bad).utf8).write(to: URL(fileURLWithPath: badPath))
        r = try await run(["import", badPath, "--store", store])
        #expect(r.status == 65)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains(badPath) && r.stderr.contains("accounts[3]") && r.stderr.contains("BTC-PERPX"))
        r = try await run(["export", "--store", store])
        #expect(r.stdout == compact)

        // Reviews.
        r = try await run([
            "review", "open", smallBook(5).accounts[1].id, "--note", "thin", "--operator", "alice", "--store", store,
        ])
        #expect(r.status == 0 && r.stdout.hasPrefix("review 1 open"), "\(r.stderr)")
        r = try await run(["review", "ack", "1", "--store", store, "--note", hostile])
        #expect(r.status == 0)
        r = try await run(["review", "ack", "1", "--store", store])
        #expect(r.status == 1 && r.stderr.contains("acknowledged"))
        // Acting on the version an operator saw (1) after someone moved it on (2): a conflict, nothing written.
        r = try await run([
            "review", "resolve", "1", "--outcome", "dismissed", "--expect-version", "1", "--store", store,
        ])
        #expect(r.status == 1 && r.stderr.contains("changed by someone else (version 2, you had 1)"), "\(r.stderr)")
        r = try await run([
            "review", "resolve", "1", "--outcome", "liquidated", "--expect-version", "2", "--store", store,
        ])
        #expect(r.status == 0)
        r = try await run(["review", "resolve", "1", "--outcome", "gone", "--store", store])
        #expect(r.status == 64)
        r = try await run(["review", "ack", "42", "--store", store])
        #expect(r.status == 1 && r.stderr.contains("no review 42"))
        r = try await run(["review", "list", "--store", store, "--status", "liquidated", "--format", "json"])
        #expect(r.status == 0)
        let doc = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
        let reviews = doc?["reviews"] as? [[String: Any]]
        #expect(reviews?.count == 1)
        let notes = (reviews?.first?["transitions"] as? [[String: Any]])?.compactMap { $0["note"] as? String }
        #expect(notes == ["thin", hostile])
        // The table never passes terminal escapes through.
        r = try await run(["review", "list", "--store", store])
        #expect(r.status == 0 && !r.stdout.contains("\u{1b}") && r.stdout.contains("liquidated"))
        r = try await run(["review", "list", "--store", store, "--status", "nonsense"])
        #expect(r.status == 64)
    }

    @Test("the default store is created under XDG_DATA_HOME and seeded with the demo book")
    func defaultStore() async throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        var env = ProcessInfo.processInfo.environment
        env["XDG_DATA_HOME"] = dir + "/data"
        let r = try await run(["export"], env: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileManager.default.fileExists(atPath: dir + "/data/margintop/margintop.sqlite"))
        let book = try BookDecoder.decode(Array(r.stdout.utf8))
        #expect(book == DemoBook.generate(accounts: 200, seed: 1))
    }

    @Test("an unreachable store exits 1")
    func unreachable() async throws {
        let r = try await run(["export", "--store", "postgres://nobody@127.0.0.1:\(TestPostgres.freePort())/db"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("unreachable"))
        let p = try await run(["export", "--store", "postgres://u:secret@127.0.0.1:5432/db"])
        #expect(p.status == 1 && p.stderr.contains("PGPASSWORD") && !p.stderr.contains("secret"))
    }
}
