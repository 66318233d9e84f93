import Foundation
import GRDB
import MarginCore
import StoreTestSupport
import Testing
import ThreadTestSupport

@testable import MarginStore

/// Stores at the edges (issue 10, items 18–20): a newer schema, a read-only file, a mistyped path.
@Suite("Stores at the edges", .serialized, .timeLimit(.minutes(2)))
struct StoreEdgeTests {
    let exe = ChildProcess.storeExecutable()

    func run(_ args: [String], asNobody: Bool = false) async throws -> ChildProcess.Result {
        let exe = self.exe
        if asNobody {
            return try await offThread {
                try ChildProcess.run(
                    StoreEdgeTests.setpriv, ["--reuid=65534", "--regid=65534", "--clear-groups", exe] + args,
                    timeout: 60)
            }
        }
        return try await offThread { try ChildProcess.run(exe, args, timeout: 60) }
    }

    static let setpriv = "/usr/bin/setpriv"
    /// Root bypasses file permissions: the permission tests also run the CLI as `nobody` when they can.
    static var canDropRoot: Bool { geteuid() == 0 && FileManager.default.isExecutableFile(atPath: setpriv) }

    // MARK: item 18

    @Test(
        "a store of a newer schema is refused before anything is written, naming both versions",
        arguments: Backend.allCases)
    func newerSchema(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            let book = smallBook(3)
            try await f.store.importBook(book, operator: "tester")
            let known: Int
            switch backend {
            case .sqlite:
                known = SQLiteSchema.knownVersion
                try await f.rawExecute("PRAGMA user_version = \(known + 6)")
            case .postgres:
                known = PostgresSchema.migrations.count
                try await f.rawExecute(
                    "INSERT INTO schema_migrations (version, applied_at_ms) VALUES (\(known + 6), 0)")
            }
            let audited = try await f.store.auditLog().count
            let bookPath = f.dir + "/book.json"
            try Data(BookEncoder.encode(book).utf8).write(to: URL(fileURLWithPath: bookPath))
            for access in [StoreAccess.readWrite, .readOnly, .create] {
                await #expect(throws: StoreError.schemaTooNew(found: known + 6, known: known), "\(access)") {
                    _ = try await openStore(f.url, access: access, seedIfEmpty: false)
                }
            }
            let message = "store schema version \(known + 6) is newer than this margintop's \(known); upgrade margintop"
            #expect(StoreError.schemaTooNew(found: known + 6, known: known).description == message)
            for args in [
                ["review", "open", book.accounts[0].id, "--note", "n"], ["import", bookPath], ["export"],
                ["review", "list"],
            ] {
                let r = try await run(args + ["--store", f.urlString])
                #expect(r.status == 1, "\(args): \(r.stderr)")
                #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
            }
            #expect(try await f.store.auditLog().count == audited)
            #expect(try await f.store.reviews(status: nil).isEmpty)

            if backend == .sqlite {
                // A migration this build does not know, with the version number left alone.
                try await f.rawExecute("PRAGMA user_version = \(known)")
                try await f.rawExecute("INSERT INTO grdb_migrations (identifier) VALUES ('v\(known + 2)')")
                await #expect(throws: StoreError.schemaTooNew(found: known + 2, known: known)) {
                    _ = try await openStore(f.url, seedIfEmpty: false)
                }
            }
        }
    }

    @Test("an up-to-date SQLite store records its schema version in user_version")
    func userVersionRecorded() async throws {
        try await withFixture(.sqlite) { f in
            guard case .sqlite(let path) = f.url else { return }
            let store = try SQLiteStore(path: path, readOnly: true)
            let version = try await store.pool.read { db in try Int.fetchOne(db, sql: "PRAGMA user_version") }
            await store.close()
            #expect(version == SQLiteSchema.knownVersion)
        }
    }

    // MARK: item 19

    @Test("a read-only SQLite file in a read-only folder is read without a byte written")
    func readOnlySQLite() async throws {
        let dir = try makeTempDirectory()
        defer {
            chmod(dir, 0o755)
            try? FileManager.default.removeItem(atPath: dir)
        }
        let path = dir + "/ro.sqlite"
        let book = smallBook(4)
        let writer = try await openStore(.sqlite(path: path), access: .create, seedIfEmpty: false)
        try await writer.importBook(book, operator: "tester")
        _ = try await writer.openReview(account: book.accounts[0].id, operator: "tester", note: "thin", prices: nil)
        await writer.close()
        #expect(chmod(path, 0o444) == 0 && chmod(dir, 0o555) == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let modified = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date

        let store = try await openStore(.sqlite(path: path), access: .readOnly)
        #expect(try await store.loadBook() == book)
        #expect(try await store.reviews(status: nil).map(\.account) == [book.accounts[0].id])
        let status = await store.statusUpdates()
        #expect(try await next(status, within: 5, "connected") { $0 == .connected } == .connected)
        await #expect(throws: StoreError.self) { try await store.putAccount(book.accounts[1]) }
        await #expect(throws: StoreError.self) {
            _ = try await store.openReview(account: book.accounts[1].id, operator: "tester", note: "n", prices: nil)
        }
        await store.close()

        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == modified)

        // As a user the permissions bind (root ignores them): the reading commands succeed and a
        // write fails, with the writer's -wal beside the file and without one (then read as immutable).
        guard StoreEdgeTests.canDropRoot else { return }
        for withoutWAL in [false, true] {
            if withoutWAL {
                chmod(dir, 0o755)
                chmod(path, 0o644)
                let q = try DatabaseQueue(path: path)
                try await q.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA wal_checkpoint(TRUNCATE)") }
                try q.close()
                try? FileManager.default.removeItem(atPath: path + "-wal")
                try? FileManager.default.removeItem(atPath: path + "-shm")
                #expect(chmod(path, 0o444) == 0 && chmod(dir, 0o555) == 0)
                #expect(!FileManager.default.fileExists(atPath: path + "-wal"))
            }
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            let exported = try await run(["export", "--store", "sqlite:" + path], asNobody: true)
            #expect(exported.status == 0, "\(exported.stderr)")
            #expect(try BookDecoder.decode(Array(exported.stdout.utf8)) == book)
            let listed = try await run(
                ["review", "list", "--format", "json", "--store", "sqlite:" + path], asNobody: true)
            #expect(listed.status == 0, "\(listed.stderr)")
            #expect(listed.stdout.contains(book.accounts[0].id))
            let opened = try await run(
                ["review", "open", book.accounts[1].id, "--note", "n", "--store", "sqlite:" + path], asNobody: true)
            #expect(opened.status == 1 && opened.stderr.contains("readonly"), "\(opened.stderr)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == bytes)
        }
        let reopened = try await openStore(.sqlite(path: path), access: .readOnly)
        #expect(try await reopened.reviews(status: nil).count == 1)
        await reopened.close()
    }

    @Test("a read-only PostgreSQL store reads, follows and refuses writes")
    func readOnlyPostgres() async throws {
        try await withFixture(.postgres) { f in
            let book = smallBook(4)
            try await f.store.importBook(book, operator: "tester")
            let store = try await openStore(f.url, access: .readOnly)
            #expect(try await store.loadBook() == book)
            let changes = await store.changes()
            await #expect(throws: StoreError.self) { try await store.putAccount(book.accounts[1]) }
            await #expect(throws: StoreError.self) {
                _ = try await store.openReview(account: book.accounts[1].id, operator: "t", note: "n", prices: nil)
            }
            #expect(try await f.store.reviews(status: nil).isEmpty)
            // Changes written elsewhere still arrive.
            try await f.store.removeAccount(id: book.accounts[2].id)
            let removed = try await next(changes, within: 5, "removal") {
                $0 == .accountRemoved(id: book.accounts[2].id)
            }
            #expect(removed == .accountRemoved(id: book.accounts[2].id))
            await store.close()
        }
    }

    @Test("a read-only open of an older schema upgrades it when the file can be written")
    func readOnlyOlderSchema() async throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/empty.sqlite"
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        #expect(throws: StoreError.schemaOutdated(found: 0, known: SQLiteSchema.knownVersion)) {
            _ = try SQLiteStore(path: path, readOnly: true)
        }
        let store = try await openStore(.sqlite(path: path), access: .readOnly)
        #expect(try await store.accountCount() == 0)
        await store.close()
        let upgraded = try SQLiteStore(path: path, readOnly: true)
        await upgraded.close()
    }

    // MARK: item 20

    @Test("a named store that does not exist is never created, except by import and store-bench")
    func missingNamedStore() async throws {
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let path = dir + "/no/such/dir/x.sqlite"
        for access in [StoreAccess.readWrite, .readOnly] {
            await #expect(throws: StoreError.noStore(path: path)) {
                _ = try await openStore(.sqlite(path: path), access: access)
            }
        }
        let message = "no store at \(path) (create it with `margintop import FILE --store sqlite:\(path)`)"
        for args in [
            ["export"], ["review", "list"], ["review", "open", "A", "--note", "n"], ["review", "ack", "1"],
            ["review", "resolve", "1", "--outcome", "dismissed"],
        ] {
            let r = try await run(args + ["--store", "sqlite:" + path])
            #expect(r.status == 1, "\(args): \(r.stderr)")
            #expect(r.stderr.contains(message), "\(args): \(r.stderr)")
        }
        #expect(!FileManager.default.fileExists(atPath: dir + "/no"))

        let bookPath = dir + "/book.json"
        try Data(BookEncoder.encode(smallBook(3)).utf8).write(to: URL(fileURLWithPath: bookPath))
        let imported = try await run(["import", bookPath, "--store", "sqlite:" + path])
        #expect(imported.status == 0, "\(imported.stderr)")
        let exported = try await run(["export", "--store", "sqlite:" + path])
        #expect(exported.status == 0, "\(exported.stderr)")
        #expect(try BookDecoder.decode(Array(exported.stdout.utf8)) == smallBook(3))
        let bench = try await run(["store-bench", "--accounts", "3", "--store", "sqlite:" + dir + "/bench/b.sqlite"])
        #expect(bench.status == 0, "\(bench.stderr)")
    }
}
