import MarginCore

/// One row of `change_log`, as the watchers read it.
struct ChangeLogRow: Sendable {
    var seq: Int64
    /// `account`, `market` or `reset`.
    var kind: String
    /// `added`, `changed`, `removed` for accounts.
    var op: String
    var accountId: String?
}

/// Coalesces change-log rows into the changes a watcher reports.
enum ChangeCoalescer {
    enum Item: Equatable {
        case market, reset
        case account(id: String, firstOp: String)
    }

    /// Distinct items in order of first appearance; a reset swallows everything before it.
    static func coalesce(_ rows: [ChangeLogRow]) -> [Item] {
        var items: [Item] = []
        var seenAccount: [String: Int] = [:]
        var market = false
        for r in rows {
            switch r.kind {
            case "reset":
                items = [.reset]
                seenAccount = [:]
                market = false
            case "market":
                if !market {
                    market = true
                    items.append(.market)
                }
            default:
                guard let id = r.accountId else { continue }
                if seenAccount[id] == nil {
                    seenAccount[id] = items.count
                    items.append(.account(id: id, firstOp: r.op))
                }
            }
        }
        return items
    }
}

extension ChangeCoalescer.Item {
    /// The change to report, given the accounts as they are now (`nil` when gone).
    func change(_ accounts: [String: Account]) -> StoreChange? {
        switch self {
        case .market: return .marketChanged
        case .reset: return .bookReplaced
        case .account(let id, let firstOp):
            if let a = accounts[id] { return firstOp == "added" ? .accountAdded(a) : .accountChanged(a) }
            return firstOp == "added" ? nil : .accountRemoved(id: id)
        }
    }
}
