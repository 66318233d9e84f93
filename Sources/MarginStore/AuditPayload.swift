import MarginCore

/// JSON payloads of audit entries.
enum AuditPayload {
    static func importBook(_ book: Book) -> String {
        JSONWriter(pretty: false).write(
            .object([
                ("asOf", .string(book.asOf.text)),
                ("accounts", .integer(book.accounts.count)),
                ("assets", .integer(book.assets.count)),
                ("instruments", .integer(book.instruments.count)),
            ]))
    }

    static func account(_ id: String, removed: Bool, account: Account? = nil) -> String {
        var members: [(String, JSONValue)] = [("account", .string(id)), ("removed", .bool(removed))]
        if let account {
            let subs = account.subaccounts
            members += [
                ("subaccounts", .integer(subs.count)),
                ("collateralLines", .integer(subs.reduce(0) { $0 + $1.collateral.count })),
                ("positions", .integer(subs.reduce(0) { $0 + $1.positions.count })),
            ]
        }
        return JSONWriter(pretty: false).write(.object(members))
    }

    static func review(
        id: Int64, account: String, from: ReviewStatus?, to: ReviewStatus, version: Int,
        note: String?, metrics m: ReviewMetrics?, confirmed c: ReviewMetrics? = nil
    ) -> String {
        var members: [(String, JSONValue)] = [
            ("review", .integer(Int(id))),
            ("account", .string(account)),
            ("from", from.map { .string($0.rawValue) } ?? .null),
            ("to", .string(to.rawValue)),
            ("version", .integer(version)),
            ("note", note.map { .string($0) } ?? .null),
            ("metrics", m?.json ?? .null),
        ]
        // Only an opening confirmed in the dashboard has them: other payloads are unchanged.
        if let c { members.append(("confirmedMetrics", c.json)) }
        return JSONWriter(pretty: false).write(.object(members))
    }
}
