import Logging
import MarginCore
import NIOConcurrencyHelpers
import PostgresNIO

/// The `LISTEN` loop of one store: connects, listens, catches up, reconnects.
struct PostgresWatcher: Sendable {
    let configuration: PostgresConnection.Configuration
    let logger: Logger
    let target: PostgresTarget
    let lastSeq: NIOLockedValueBox<Int64?>
    let changes: Broadcaster<StoreChange>
    let status: Broadcaster<StoreStatus>
    let ready: AsyncStream<Void>.Continuation

    init(
        store: PostgresStore, baseline: Int64?, changes: Broadcaster<StoreChange>, status: Broadcaster<StoreStatus>,
        ready: AsyncStream<Void>.Continuation
    ) {
        configuration = store.configuration
        logger = store.logger
        target = store.target
        lastSeq = NIOLockedValueBox(baseline)
        self.changes = changes
        self.status = status
        self.ready = ready
    }

    func run() async {
        var attempt = 0
        var connectedOnce = false
        while !Task.isCancelled {
            do {
                let conn = try await PostgresConnection.connect(configuration: configuration, id: 0, logger: logger)
                defer { Task { try? await conn.close() } }
                try await withThrowingTaskGroup(of: Void.self) { group in
                    group.addTask {
                        // postgres-nio ends a LISTEN only when the connection goes: watch for that,
                        // and close the connection ourselves when the store closes.
                        do {
                            while !conn.isClosed { try await Task.sleep(for: .milliseconds(100)) }
                        } catch {
                            try? await conn.close()
                            return
                        }
                        throw StoreError.unreachable("\(target): connection lost")
                    }
                    group.addTask {
                        try await conn.listen(on: PostgresSchema.channel) { notifications in
                            try await catchUp(conn)
                            status.yield(.connected)
                            ready.yield()
                            for try await _ in notifications { try await catchUp(conn) }
                        }
                        throw StoreError.unreachable("\(target): connection lost")
                    }
                    defer { group.cancelAll() }
                    attempt = 0
                    connectedOnce = true
                    try await group.next()
                }
            } catch {
                if Task.isCancelled { break }
                attempt += 1
                let reason = describe(PostgresStore.map(error, target))
                if attempt == 1 {
                    status.yield(.down(reason: reason))
                } else {
                    status.yield(.reconnecting(attempt: attempt - 1, reason: reason))
                }
                if !connectedOnce { ready.yield() }
                try? await Task.sleep(for: .milliseconds(min(1000, 100 * attempt)))
            }
        }
        ready.finish()
    }

    /// Reports every change logged after the last one seen.
    func catchUp(_ conn: PostgresConnection) async throws {
        let s = PostgresSession(conn: conn, logger: logger)
        guard let since = lastSeq.withLockedValue({ $0 }) else {
            let now = try await s.scalar("SELECT coalesce(max(seq), 0) FROM change_log") ?? 0
            lastSeq.withLockedValue { $0 = now }
            return
        }
        var rows: [ChangeLogRow] = []
        try await s.forEachRow(
            "SELECT seq, kind, op, account_id FROM change_log WHERE seq > ? ORDER BY seq",
            [.int(since)], types: [.int, .text, .text, .text]
        ) { v in
            rows.append(
                ChangeLogRow(seq: v[0].int ?? 0, kind: v[1].text ?? "", op: v[2].text ?? "", accountId: v[3].text))
        }
        guard let last = rows.last else { return }
        let items = ChangeCoalescer.coalesce(rows)
        var accounts: [String: Account] = [:]
        for case .account(let id, _) in items {
            accounts[id] = try await s.loadAccount(id: id)
        }
        for item in items { if let c = item.change(accounts) { changes.yield(c) } }
        lastSeq.withLockedValue { $0 = last.seq }
    }
}
