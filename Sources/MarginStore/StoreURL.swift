import Foundation
import MarginCore

/// Where a store lives: `sqlite:PATH` (or a plain path) or
/// `postgres://USER@HOST:PORT/DB`.
///
/// ```swift
/// try StoreURL.parse("sqlite:/var/lib/margintop/m.sqlite")   // .sqlite(path:)
/// try StoreURL.parse("postgres://ops@db.internal:5432/risk")  // .postgres(...)
/// ```
/// A password in the URL is refused: it would show in process listings. It
/// comes from `PGPASSWORD` or `~/.pgpass`.
public enum StoreURL: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresTarget)

    /// Parses a store URL.
    public static func parse(_ text: String) throws(StoreError) -> StoreURL {
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            return .postgres(try PostgresTarget.parse(text))
        }
        if text.hasPrefix("sqlite://") {
            let path = String(text.dropFirst("sqlite://".count))
            guard !path.isEmpty else { throw .badURL(text, reason: "no file path after sqlite://") }
            return .sqlite(path: path)
        }
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw .badURL(text, reason: "no file path after sqlite:") }
            return .sqlite(path: path)
        }
        if let colon = text.firstIndex(of: ":"), !text.hasPrefix("/"), !text.hasPrefix("."),
            text[..<colon].allSatisfy({ $0.isLetter }), text[..<colon].count > 1
        {
            throw .badURL(
                text, reason: "unknown scheme \"\(text[..<colon])\" (use sqlite:PATH or postgres://USER@HOST:PORT/DB)")
        }
        guard !text.isEmpty else { throw .badURL(text, reason: "empty") }
        return .sqlite(path: text)
    }

    /// `sqlite:$XDG_DATA_HOME/margintop/margintop.sqlite`, or under `~/.local/share` when XDG_DATA_HOME is unset.
    public static func defaultURL(environment: [String: String] = ProcessInfo.processInfo.environment) -> StoreURL {
        .sqlite(path: defaultDirectory(environment: environment) + "/margintop.sqlite")
    }

    static func defaultDirectory(environment: [String: String]) -> String {
        if let xdg = environment["XDG_DATA_HOME"], !xdg.isEmpty { return xdg + "/margintop" }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        return home + "/.local/share/margintop"
    }

    public var description: String {
        switch self {
        case .sqlite(let path): return "sqlite:" + path
        case .postgres(let t): return t.description
        }
    }
}

/// A PostgreSQL server and database; never holds a password.
public struct PostgresTarget: Sendable, Equatable, CustomStringConvertible {
    public var user: String
    public var host: String
    public var port: Int
    public var database: String

    public init(user: String, host: String, port: Int = 5432, database: String) {
        self.user = user
        self.host = host
        self.port = port
        self.database = database
    }

    static func parse(_ raw: String) throws(StoreError) -> PostgresTarget {
        let text = redacted(raw)
        guard let scheme = text.range(of: "://") else { throw .badURL(text, reason: "missing ://") }
        var rest = Substring(text[scheme.upperBound...])
        if let q = rest.firstIndex(of: "?") { rest = rest[..<q] }
        guard let slash = rest.firstIndex(of: "/") else {
            throw .badURL(text, reason: "no database name (postgres://USER@HOST:PORT/DB)")
        }
        let database = String(rest[rest.index(after: slash)...])
        guard !database.isEmpty else { throw .badURL(text, reason: "no database name (postgres://USER@HOST:PORT/DB)") }
        var authority = rest[..<slash]
        var user = ProcessInfo.processInfo.environment["USER"] ?? "postgres"
        if raw != text {
            throw .badURL(text, reason: "a password in the URL is not allowed: use PGPASSWORD or ~/.pgpass")
        }
        if let at = authority.lastIndex(of: "@") {
            let userInfo = authority[..<at]
            if userInfo.contains(":") {
                throw .badURL(text, reason: "a password in the URL is not allowed: use PGPASSWORD or ~/.pgpass")
            }
            user = String(userInfo).removingPercentEncoding ?? String(userInfo)
            authority = authority[authority.index(after: at)...]
        }
        var host = String(authority)
        var port = 5432
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            host = String(authority[..<colon])
            guard let p = Int(authority[authority.index(after: colon)...]), (1...65535).contains(p) else {
                throw .badURL(text, reason: "bad port \"\(authority[authority.index(after: colon)...])\"")
            }
            port = p
        }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.isEmpty { host = "localhost" }
        guard !user.isEmpty else { throw .badURL(text, reason: "empty user name") }
        return PostgresTarget(
            user: user, host: host, port: port,
            database: database.removingPercentEncoding ?? database)
    }

    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }

    /// The URL with any password replaced by `***`, fit for messages.
    static func redacted(_ text: String) -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        guard let at = rest[..<authorityEnd].lastIndex(of: "@"),
            let colon = rest[..<at].firstIndex(of: ":")
        else { return text }
        return String(text[..<rest.index(after: colon)]) + "***" + String(rest[at...])
    }
}

/// Opens the store at `url` as `access` says.
///
/// Only the default store is created (with its folders) on first use, and a new, empty store at
/// the default URL is seeded with `DemoBook.generate(accounts: 200, seed: 1)`; a named SQLite
/// store that does not exist is ``StoreError/noStore(path:)`` unless `access` is
/// ``StoreAccess/create``. A store written by a newer schema is refused
/// (``StoreError/schemaTooNew(found:known:)``) before anything is written. Timestamps (reviews,
/// audit) come from `clock`.
public func openStore(
    _ url: StoreURL = .defaultURL(), access: StoreAccess = .readWrite, seedIfEmpty: Bool? = nil,
    clock: any MarginClock = SystemClock()
) async throws(StoreError) -> any AccountStore {
    let isDefault = url == .defaultURL()
    let seed = seedIfEmpty ?? isDefault
    switch url {
    case .sqlite(let path):
        let exists = FileManager.default.fileExists(atPath: path)
        if !exists, !isDefault, access != .create { throw .noStore(path: path) }
        if access == .readOnly, exists {
            do {
                return try SQLiteStore(path: path, readOnly: true, clock: clock)
            } catch .schemaOutdated(let found, let known) {
                // Upgraded as a read-write open would; refused if it cannot be written.
                do { return try SQLiteStore(path: path, clock: clock) } catch {
                    throw .schemaOutdated(found: found, known: known)
                }
            }
        }
        let store = try SQLiteStore(path: path, clock: clock)
        if seed, try await store.isEmpty() {
            try await store.importBook(DemoBook.generate(accounts: 200, seed: 1), operator: "margintop")
        }
        return store
    case .postgres(let target):
        if access == .readOnly {
            do {
                return try await PostgresStore(target: target, readOnly: true, clock: clock)
            } catch .schemaOutdated(let found, let known) {
                do { return try await PostgresStore(target: target, clock: clock) } catch {
                    throw .schemaOutdated(found: found, known: known)
                }
            }
        }
        let store = try await PostgresStore(target: target, clock: clock)
        if seed, try await store.isEmpty() {
            try await store.importBook(DemoBook.generate(accounts: 200, seed: 1), operator: "margintop")
        }
        return store
    }
}

/// Opens the store at a URL given as text (`nil`: the default) as `access` says.
public func openStore(_ text: String?, access: StoreAccess = .readWrite) async throws(StoreError) -> any AccountStore {
    try await openStore(
        text.map { (t: String) throws(StoreError) in try StoreURL.parse(t) } ?? .defaultURL(), access: access)
}
