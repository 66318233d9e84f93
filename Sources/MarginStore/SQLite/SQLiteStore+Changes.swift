import GRDB
import MarginCore

/// Changes by anyone, found by polling `change_log` from a read-only connection of its own.
extension SQLiteStore {
    func startWatcher() async {
        if watch.isRunning { return }
        let baseline =
            (try? await read { db in
                try Int64.fetchOne(db, sql: "SELECT coalesce(max(seq), 0) FROM change_log") ?? 0
            }) ?? 0
        watch.start { [location, changes = watch.changes, status = watch.status] in
            await SQLiteStore.watch(path: location, from: baseline, changes: changes, status: status)
        }
    }

    /// Polls `change_log` from a connection of its own until cancelled.
    static func watch(
        path: String, from baseline: Int64,
        changes: Broadcaster<StoreChange>, status: Broadcaster<StoreStatus>
    ) async {
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        var lastSeq = baseline
        var lastVersion: Int64?
        var queue: DatabaseQueue?
        var down = false
        while !Task.isCancelled {
            do {
                if queue == nil { queue = try DatabaseQueue(path: path, configuration: config) }
                guard let q = queue else { continue }
                let since = lastSeq
                let known = lastVersion
                let (version, rows): (Int64?, [ChangeLogRow]) = try await q.read { db in
                    let v = try Int64.fetchOne(db, sql: "PRAGMA data_version")
                    if v == known { return (v, []) }
                    let rows = try Row.fetchAll(
                        db,
                        sql: "SELECT seq, kind, op, account_id FROM change_log WHERE seq > ? ORDER BY seq LIMIT 100000",
                        arguments: [since])
                    return (v, rows.map { ChangeLogRow(seq: $0[0], kind: $0[1], op: $0[2], accountId: $0[3]) })
                }
                if down {
                    down = false
                    status.yield(.connected)
                }
                if let last = rows.last {
                    let items = ChangeCoalescer.coalesce(rows)
                    let accounts = try await q.read { db in
                        var out: [String: Account] = [:]
                        for case .account(let id, _) in items { out[id] = try SQLiteStore.loadAccount(db, id: id) }
                        return out
                    }
                    for item in items { if let c = item.change(accounts) { changes.yield(c) } }
                    lastSeq = last.seq
                    // More rows may be waiting than one batch held: do not skip the next read.
                    lastVersion = rows.count == 100000 ? nil : version
                } else {
                    lastVersion = version
                }
            } catch {
                if !down {
                    down = true
                    status.yield(.down(reason: SQLiteStore.message(error)))
                }
                queue = nil
                lastVersion = nil
            }
            try? await Task.sleep(for: pollInterval)
        }
    }
}
