import Foundation
import GRDB
import MarginCore
import PostgresNIO
import StoreTestSupport
import Testing

@testable import MarginStore

/// The two backends every behavioural test runs against.
enum Backend: String, CaseIterable, Sendable, CustomTestStringConvertible {
    case sqlite, postgres
    var testDescription: String { rawValue }
}

/// A fresh, empty store of one backend (and its server), torn down by `close()`.
final class StoreFixture: Sendable {
    let backend: Backend
    let url: StoreURL
    let urlString: String
    let store: any AccountStore
    let server: TestPostgres?
    let dir: String

    init(
        backend: Backend, url: StoreURL, urlString: String, store: any AccountStore, server: TestPostgres?,
        dir: String
    ) {
        self.backend = backend
        self.url = url
        self.urlString = urlString
        self.store = store
        self.server = server
        self.dir = dir
    }

    static func make(_ backend: Backend) async throws -> StoreFixture {
        let dir = try makeTempDirectory()
        switch backend {
        case .sqlite:
            let path = dir + "/store.sqlite"
            let url = StoreURL.sqlite(path: path)
            return StoreFixture(
                backend: backend, url: url, urlString: "sqlite:" + path,
                store: try await openStore(url, access: .create, seedIfEmpty: false), server: nil, dir: dir)
        case .postgres:
            let server = try TestPostgres.start()
            do {
                let store = try await openStore(server.url, seedIfEmpty: false)
                return StoreFixture(
                    backend: backend, url: server.url, urlString: server.urlString, store: store,
                    server: server, dir: dir)
            } catch {
                server.destroy()
                throw error
            }
        }
    }

    /// A second, independent store on the same database (its own connections).
    func openAnother() async throws -> any AccountStore {
        try await openStore(url, seedIfEmpty: false)
    }

    /// Runs raw SQL on a connection of its own, outside the store (returns nothing).
    func rawExecute(_ sql: String) async throws {
        switch url {
        case .sqlite(let path):
            let q = try DatabaseQueue(path: path)
            try await q.write { db in try db.execute(sql: sql) }
            try q.close()
        case .postgres(let t):
            let config = PostgresConnection.Configuration(
                host: t.host, port: t.port, username: t.user, password: nil,
                database: t.database, tls: .disable)
            let conn = try await PostgresConnection.connect(configuration: config, id: 99, logger: Self.logger)
            do {
                try await conn.query(PostgresQuery(unsafeSQL: sql), logger: Self.logger)
                try await conn.close()
            } catch {
                try? await conn.close()
                throw error
            }
        }
    }

    static let logger: Logger = {
        var l = Logger(label: "test")
        l.logLevel = .critical
        return l
    }()

    func close() async {
        await store.close()
        server?.destroy()
        try? FileManager.default.removeItem(atPath: dir)
    }
}

/// Runs `body` with a fresh store, always tearing it down.
func withFixture(_ backend: Backend, _ body: (StoreFixture) async throws -> Void) async throws {
    let f = try await StoreFixture.make(backend)
    do {
        try await body(f)
        await f.close()
    } catch {
        await f.close()
        throw error
    }
}

/// Waits for the first element of `stream` that `match` accepts.
func next<T: Sendable>(
    _ stream: AsyncStream<T>, within seconds: Double, _ what: String,
    where match: @escaping @Sendable (T) -> Bool
) async throws -> T {
    try await withTimeout(seconds, what) {
        for await x in stream where match(x) { return x }
        throw TimeoutError(what: what + " (stream ended)", seconds: seconds)
    }
}

/// A demo book small enough for tests.
func smallBook(_ n: Int = 12, seed: UInt64 = 7) -> Book { DemoBook.generate(accounts: n, seed: seed) }

/// Text that breaks naive SQL, JSON and terminals.
let hostile = "O'Brien \"quoted\"; DROP TABLE accounts; --\nline two\r\n\u{1b}]0;pwned\u{07} tab\t back\\slash ünï 😀"
