import GRDB

/// SQLite schema, applied by a `DatabaseMigrator` (one migration per version).
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: v1)
            for sql in changeTriggers() { try db.execute(sql: sql) }
        }
        m.registerMigration("v2") { db in try db.execute(sql: v2) }
        m.registerMigration("v3") { db in try chainAuditLog(db) }
        return m
    }

    /// The schema version this build writes: its number of migrations, kept in `PRAGMA user_version`.
    static var knownVersion: Int { migrator.migrations.count }

    /// The stored schema's version, refused when a newer margintop wrote it: `user_version`
    /// above ``knownVersion`` or a migration this build does not know.
    static func version(_ db: Database) throws -> Int {
        let m = migrator
        let userVersion = try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0
        let applied = try m.appliedIdentifiers(db)
        let unknown = applied.subtracting(m.migrations)
        let found = max(userVersion, applied.count)
        if userVersion > knownVersion || !unknown.isEmpty {
            // Ours are named v1, v2, …: an unknown one says how far ahead the store is.
            let named = unknown.compactMap { Int($0.dropFirst()) }.max() ?? 0
            throw StoreError.schemaTooNew(found: max(found, named, knownVersion + 1), known: knownVersion)
        }
        return try m.hasCompletedMigrations(db) ? knownVersion : min(found, knownVersion - 1)
    }

    /// Refuses a newer schema, then brings an older one up to date and records its version.
    static func migrate(_ writer: some DatabaseWriter) throws {
        let (found, userVersion) = try writer.read { db in
            (try version(db), try Int.fetchOne(db, sql: "PRAGMA user_version") ?? 0)
        }
        if found < knownVersion { try migrator.migrate(writer) }
        if userVersion != knownVersion {
            try writer.write { db in try db.execute(sql: "PRAGMA user_version = \(knownVersion)") }
        }
    }

    static let v1 = """
        CREATE TABLE market (
            id INTEGER PRIMARY KEY CHECK (id = 1),
            as_of TEXT NOT NULL, quote TEXT NOT NULL, insurance_fund REAL NOT NULL,
            model TEXT NOT NULL, warn REAL NOT NULL, danger REAL NOT NULL,
            so_im_base REAL NOT NULL, so_im_floor REAL NOT NULL, so_mm REAL NOT NULL,
            pf_extreme_multiple REAL NOT NULL, pf_extreme_cover REAL NOT NULL, pf_somc REAL NOT NULL,
            pf_im_multiplier REAL NOT NULL, es_horizon_days REAL NOT NULL, es_im_multiplier REAL NOT NULL,
            vol_factor_max REAL NOT NULL, stale_after_seconds REAL NOT NULL, has_history INTEGER NOT NULL);
        CREATE TABLE assets (
            ord INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, price REAL, stable INTEGER NOT NULL,
            haircut REAL NOT NULL, borrow_add_on REAL NOT NULL, vol REAL, scan_range REAL, vol_scan_range REAL);
        CREATE TABLE venues (
            ord INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, haircut_add_on REAL NOT NULL,
            transfer_latency_seconds REAL);
        CREATE TABLE instruments (
            ord INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, underlying TEXT NOT NULL,
            contract_size REAL NOT NULL, mark REAL, expiry TEXT, option_right TEXT, strike REAL, iv REAL);
        CREATE TABLE brackets (
            instrument_ord INTEGER NOT NULL REFERENCES instruments(ord) ON DELETE CASCADE, ord INTEGER NOT NULL,
            up_to REAL, imf REAL NOT NULL, mmf REAL NOT NULL, PRIMARY KEY (instrument_ord, ord)) WITHOUT ROWID;
        CREATE TABLE history_dates (ord INTEGER PRIMARY KEY, date TEXT NOT NULL);
        CREATE TABLE history_series (ord INTEGER PRIMARY KEY, asset TEXT NOT NULL UNIQUE);
        CREATE TABLE history_returns (
            series_ord INTEGER NOT NULL REFERENCES history_series(ord) ON DELETE CASCADE,
            day_ord INTEGER NOT NULL, value REAL NOT NULL, PRIMARY KEY (series_ord, day_ord)) WITHOUT ROWID;
        CREATE TABLE accounts (pk INTEGER PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT, model TEXT);
        CREATE TABLE subaccounts (
            account_pk INTEGER NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE, ord INTEGER NOT NULL,
            id TEXT NOT NULL, PRIMARY KEY (account_pk, ord)) WITHOUT ROWID;
        CREATE TABLE collateral (
            account_pk INTEGER NOT NULL, sub_ord INTEGER NOT NULL, ord INTEGER NOT NULL,
            asset TEXT NOT NULL, amount REAL NOT NULL, venue TEXT,
            PRIMARY KEY (account_pk, sub_ord, ord),
            FOREIGN KEY (account_pk, sub_ord) REFERENCES subaccounts(account_pk, ord) ON DELETE CASCADE) WITHOUT ROWID;
        CREATE TABLE positions (
            account_pk INTEGER NOT NULL, sub_ord INTEGER NOT NULL, ord INTEGER NOT NULL,
            instrument TEXT NOT NULL, quantity REAL NOT NULL, entry_price REAL NOT NULL, isolated_collateral REAL,
            PRIMARY KEY (account_pk, sub_ord, ord),
            FOREIGN KEY (account_pk, sub_ord) REFERENCES subaccounts(account_pk, ord) ON DELETE CASCADE) WITHOUT ROWID;

        CREATE TABLE change_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, op TEXT NOT NULL, account_id TEXT);
        CREATE TABLE change_suppress (flag INTEGER PRIMARY KEY);

        CREATE TABLE reviews (
            id INTEGER PRIMARY KEY AUTOINCREMENT, account_id TEXT NOT NULL,
            status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'liquidated', 'dismissed')),
            version INTEGER NOT NULL, opened_by TEXT NOT NULL, opened_at_ms INTEGER NOT NULL,
            updated_at_ms INTEGER NOT NULL);
        CREATE UNIQUE INDEX reviews_one_active ON reviews(account_id) WHERE status IN ('open', 'acknowledged');
        CREATE INDEX reviews_status ON reviews(status);
        CREATE TABLE review_transitions (
            review_id INTEGER NOT NULL REFERENCES reviews(id), version INTEGER NOT NULL,
            status TEXT NOT NULL, operator TEXT NOT NULL, at_ms INTEGER NOT NULL, note TEXT,
            equity REAL, adjusted_equity REAL, initial_margin REAL,
            maintenance_margin REAL, margin_ratio REAL, state TEXT, distance_to_liquidation REAL,
            PRIMARY KEY (review_id, version));
        CREATE TRIGGER review_transitions_no_update BEFORE UPDATE ON review_transitions
            BEGIN SELECT RAISE(ABORT, 'review_transitions is append-only'); END;
        CREATE TRIGGER review_transitions_no_delete BEFORE DELETE ON review_transitions
            BEGIN SELECT RAISE(ABORT, 'review_transitions is append-only'); END;

        CREATE TABLE audit_log (
            seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, operator TEXT NOT NULL,
            action TEXT NOT NULL, payload TEXT NOT NULL);
        CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END;
        CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
            BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END;
        """

    /// The figures an operator confirmed when opening a review, beside those recomputed at commit.
    static let v2 = """
        ALTER TABLE review_transitions ADD COLUMN confirmed_equity REAL;
        ALTER TABLE review_transitions ADD COLUMN confirmed_adjusted_equity REAL;
        ALTER TABLE review_transitions ADD COLUMN confirmed_initial_margin REAL;
        ALTER TABLE review_transitions ADD COLUMN confirmed_maintenance_margin REAL;
        ALTER TABLE review_transitions ADD COLUMN confirmed_margin_ratio REAL;
        ALTER TABLE review_transitions ADD COLUMN confirmed_state TEXT;
        ALTER TABLE review_transitions ADD COLUMN confirmed_distance_to_liquidation REAL;
        ALTER TABLE review_transitions ADD COLUMN confirmed_at_ms INTEGER;
        """

    /// v3: the audit log becomes a hash chain (``AuditChain``). The table is rebuilt with
    /// `prev_hash` and `hash` (NOT NULL, as in PostgreSQL), the rows already there chained as
    /// found, in `seq` order, and its append-only triggers put back.
    static func chainAuditLog(_ db: Database) throws {
        try db.execute(
            sql: """
                CREATE TABLE audit_log_chained (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT, at_ms INTEGER NOT NULL, operator TEXT NOT NULL,
                    action TEXT NOT NULL, payload TEXT NOT NULL, prev_hash TEXT NOT NULL, hash TEXT NOT NULL);
                """)
        let rows = try Row.fetchCursor(
            db,
            sql: "SELECT seq, CAST(at_ms AS BIGINT), CAST(operator AS TEXT), CAST(action AS TEXT), "
                + "CAST(payload AS TEXT) FROM audit_log ORDER BY seq")
        let insert = try db.makeStatement(sql: AuditChain.insertSQL(into: "audit_log_chained"))
        var prev = AuditChain.genesis
        while let row = try rows.next() {
            // Kept as numbered, gaps and all: the chain covers `seq`.
            let r = SQLiteSession.values(row, [.int, .int, .text, .text, .text])
            let (seq, at) = (r[0].int ?? 0, r[1].int ?? 0)
            let (op, action, payload) = (r[2].text ?? "", r[3].text ?? "", r[4].text ?? "")
            let hash = AuditChain.hash(prev: prev, seq: seq, at: at, operator: op, action: action, payload: payload)
            insert.setUncheckedArguments(
                SQLiteSession.arguments([
                    .int(seq), .int(at), .text(op), .text(action), .text(payload), .text(prev), .text(hash),
                ]))
            try insert.execute()
            prev = hash
        }
        try db.execute(
            sql: """
                DROP TABLE audit_log;
                ALTER TABLE audit_log_chained RENAME TO audit_log;
                CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE refused'); END;
                CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
                    BEGIN SELECT RAISE(ABORT, 'audit_log is append-only: DELETE refused'); END;
                """)
    }

    static func changeTriggers() -> [String] {
        let quiet = "NOT EXISTS (SELECT 1 FROM change_suppress)"
        var out: [String] = []
        for t in Schema.marketTables {
            for ev in ["INSERT", "UPDATE", "DELETE"] {
                out.append(
                    """
                    CREATE TRIGGER \(t)_\(ev.lowercased())_log AFTER \(ev) ON \(t) WHEN \(quiet)
                    BEGIN INSERT INTO change_log (kind, op, account_id) VALUES ('market', 'changed', NULL); END;
                    """)
            }
        }
        out.append(
            """
            CREATE TRIGGER accounts_insert_log AFTER INSERT ON accounts WHEN \(quiet)
            BEGIN INSERT INTO change_log (kind, op, account_id) VALUES ('account', 'added', NEW.id); END;
            """)
        out.append(
            """
            CREATE TRIGGER accounts_update_log AFTER UPDATE ON accounts WHEN \(quiet)
            BEGIN
                INSERT INTO change_log (kind, op, account_id) SELECT 'account', 'removed', OLD.id WHERE OLD.id <> NEW.id;
                INSERT INTO change_log (kind, op, account_id)
                    SELECT 'account', CASE WHEN OLD.id <> NEW.id THEN 'added' ELSE 'changed' END, NEW.id;
            END;
            """)
        out.append(
            """
            CREATE TRIGGER accounts_delete_log AFTER DELETE ON accounts WHEN \(quiet)
            BEGIN INSERT INTO change_log (kind, op, account_id) VALUES ('account', 'removed', OLD.id); END;
            """)
        for t in Schema.accountChildTables {
            for (ev, row) in [("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD")] {
                out.append(
                    """
                    CREATE TRIGGER \(t)_\(ev.lowercased())_log AFTER \(ev) ON \(t) WHEN \(quiet)
                    BEGIN INSERT INTO change_log (kind, op, account_id)
                        SELECT 'account', 'changed', id FROM accounts WHERE pk = \(row).account_pk; END;
                    """)
            }
        }
        return out
    }
}
