import PostgresNIO

/// The command connection: opened on first use, reopened after a loss, one caller at a time.
extension PostgresStore {
    func connect() async throws -> PostgresConnection {
        let id = PostgresStore.connectionIDs.withLockedValue {
            $0 += 1
            return $0
        }
        let conn = try await PostgresConnection.connect(configuration: configuration, id: id, logger: logger)
        if readOnly {
            // A write through a read-only store fails in the database, not only by convention.
            do {
                try await conn.query("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY", logger: logger)
            } catch {
                try? await conn.close()
                throw error
            }
        }
        return conn
    }

    static func map(_ error: any Error, _ target: PostgresTarget) -> StoreError {
        if let e = error as? StoreError { return e }
        if let e = error as? PSQLError {
            if e.code == .server {
                let message = e.serverInfo?[.message] ?? "server error"
                let detail = e.serverInfo?[.detail].map { " (\($0))" } ?? ""
                return .database(message + detail)
            }
            let underlying = e.underlying.map { ": \(String(describing: $0))" } ?? ""
            return .unreachable("\(target) \(e.code)\(underlying)")
        }
        if error is PostgresDecodingError { return .database("unexpected column type: \(error)") }
        return .unreachable("\(target): \(error)")
    }

    static func sqlState(_ error: any Error) -> String? {
        (error as? PSQLError)?.serverInfo?[.sqlState]
    }

    /// Runs `body` on the command connection, one caller at a time.
    func withConnection<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws(StoreError) -> T {
        await lock.lock()
        var conn: PostgresConnection?
        do {
            if let c = connection.withLockedValue({ $0 }), !c.isClosed {
                conn = c
            } else {
                if let stale = connection.withLockedValue({ c -> PostgresConnection? in
                    defer { c = nil }
                    return c
                }) {
                    try? await stale.close()
                }
                let c = try await connect()
                connection.withLockedValue { $0 = c }
                conn = c
            }
            guard let c = conn else { throw StoreError.unreachable("\(target): no connection") }
            let result = try await body(PostgresSession(conn: c, logger: logger))
            await lock.unlock()
            return result
        } catch {
            if let c = conn, c.isClosed {
                connection.withLockedValue { $0 = nil }
                try? await c.close()
            }
            await lock.unlock()
            throw PostgresStore.map(error, target)
        }
    }

    /// Runs `body` in one transaction on the command connection, committed before this returns.
    func transaction<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws(StoreError) -> T {
        try await withConnection { s in
            try await s.execute("BEGIN", [])
            do {
                let result = try await body(s)
                try await s.execute("COMMIT", [])
                return result
            } catch {
                if !s.conn.isClosed { _ = try? await s.execute("ROLLBACK", []) }
                throw error
            }
        }
    }

    /// The shared flows' writing transaction: row locks (`FOR SHARE`, `FOR UPDATE`) hold until commit.
    func writing<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws(StoreError) -> T {
        try await transaction(body)
    }

    /// One REPEATABLE READ, READ ONLY transaction: every statement sees the same committed state.
    func snapshot<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws(StoreError) -> T {
        try await transaction { s in
            try await s.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ READ ONLY", [])
            return try await body(s)
        }
    }

    /// The shared flows' reads, on the command connection outside a transaction.
    func reading<T: Sendable>(_ body: (PostgresSession) async throws -> T) async throws(StoreError) -> T {
        try await withConnection(body)
    }
}
