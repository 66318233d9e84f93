import PostgresNIO

/// The application role: what margintop connects as day to day, owning nothing.
///
/// The role that ran the migrations owns every table, trigger and function; only it (or a
/// superuser) can drop a trigger, alter a table or grant. The application role reads everything
/// and writes only what the flows write: it appends to `audit_log`, `review_transitions` and
/// `reviews`, moves a review on (`UPDATE` of `status`, `version` and `updated_at_ms` only),
/// replaces the book and edits accounts (the book tables and `change_log`), and publishes a
/// shard's results (`cluster_results`, `cluster_shards`). It can never update,
/// delete or truncate an audit row or a transition, drop a trigger, or alter a table.
extension PostgresStore {
    /// The statements that make `role` the store's application role, on the tables of `schema`.
    static func appRoleGrants(_ role: String, schema: String, sequences: [String]) -> [String] {
        let r = quoted(role)
        let s = quoted(schema)
        let book = (Schema.marketTables + ["accounts"] + Schema.accountChildTables).map { "\(s).\($0)" }
        let appended = ["audit_log", "review_transitions", "reviews", "change_log"].map { "\(s).\($0)" }
        var out = [
            "REVOKE ALL ON ALL TABLES IN SCHEMA \(s) FROM \(r)",
            "REVOKE ALL ON ALL SEQUENCES IN SCHEMA \(s) FROM \(r)",
            "GRANT USAGE ON SCHEMA \(s) TO \(r)",
            "GRANT SELECT ON ALL TABLES IN SCHEMA \(s) TO \(r)",
            "GRANT INSERT ON \((appended + book).joined(separator: ", ")) TO \(r)",
            "GRANT DELETE ON \(([s + ".change_log"] + book).joined(separator: ", ")) TO \(r)",
            "GRANT UPDATE ON \(s).accounts TO \(r)",
            "GRANT UPDATE (status, version, updated_at_ms) ON \(s).reviews TO \(r)",
            // Shards publish their results and heartbeats (`watch --shard K/N`).
            "GRANT INSERT, UPDATE, DELETE ON \(s).cluster_results, \(s).cluster_shards TO \(r)",
        ]
        if !sequences.isEmpty { out.append("GRANT USAGE ON SEQUENCE \(sequences.joined(separator: ", ")) TO \(r)") }
        return out
    }

    /// Makes `role` (which must exist) the store's application role, after checking that it owns
    /// nothing here: not a superuser, not the database's owner, owning no schema, table or
    /// function, not a member of the tables' owner. Run it as the owner, once the schema is up to
    /// date, and again after each upgrade (a migration may add tables). Returns the statements,
    /// run only when `apply` (else to print).
    public func grantAppRole(_ role: String, apply: Bool = true) async throws(StoreError) -> [String] {
        guard !role.isEmpty, !role.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) else {
            throw .database("the application role's name is empty or holds a control character")
        }
        return try await transaction { s in
            let found = try await s.rows(
                "SELECT oid::bigint, rolsuper::int FROM pg_roles WHERE rolname = ?", [.text(role)],
                types: [.int, .int])
            guard let row = found.first, let oid = row[0].int else {
                throw StoreError.database(
                    "no role \(role): create it first (CREATE ROLE \(PostgresStore.quoted(role)) LOGIN PASSWORD '...')")
            }
            if row[1].int == 1 { throw StoreError.database("role \(role) is a superuser: it could drop the triggers") }
            let owned =
                try await s.scalar(
                    """
                    SELECT (SELECT count(*) FROM pg_class WHERE relowner::bigint = ?)
                        + (SELECT count(*) FROM pg_proc WHERE proowner::bigint = ?)
                        + (SELECT count(*) FROM pg_namespace WHERE nspowner::bigint = ?)
                        + (SELECT count(*) FROM pg_type WHERE typowner::bigint = ?)
                    """, [.int(oid), .int(oid), .int(oid), .int(oid)]) ?? 0
            if owned > 0 {
                throw StoreError.database(
                    "role \(role) owns \(owned) object(s) in this database: the application role must own nothing")
            }
            if try await s.scalar(
                "SELECT count(*) FROM pg_database WHERE datname = current_database() AND datdba::bigint = ?",
                [.int(oid)]) != 0
            {
                throw StoreError.database("role \(role) owns this database: the application role must own nothing")
            }
            let owner = try await s.rows(
                """
                SELECT relowner::regrole::text, relnamespace::regnamespace::text,
                    pg_has_role((?)::oid, relowner, 'MEMBER')::int
                FROM pg_class WHERE oid = 'accounts'::regclass
                """, [.int(oid)], types: [.text, .text, .int])
            guard let info = owner.first, let ownerName = info[0].text, let schema = info[1].text else {
                throw StoreError.database("the store has no tables yet: open it once as the owner role")
            }
            if info[2].int == 1 {
                throw StoreError.database(
                    "role \(role) is a member of the tables' owner \(ownerName): it could act as it")
            }
            var sequences: [String] = []
            for (table, column) in [("reviews", "id"), ("change_log", "seq")] {
                try await s.forEachRow(
                    "SELECT pg_get_serial_sequence(?, ?)", [.text(schema + "." + table), .text(column)], types: [.text]
                ) { if let q = $0[0].text { sequences.append(q) } }
            }
            let statements = PostgresStore.appRoleGrants(role, schema: schema, sequences: sequences)
            if apply { for sql in statements { try await s.execute(sql, []) } }
            return statements
        }
    }

    /// `name` as a quoted SQL identifier.
    static func quoted(_ name: String) -> String {
        "\"" + name.replacing("\"", with: "\"\"") + "\""
    }
}
