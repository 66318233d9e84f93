/// PostgreSQL schema: the SQLite one in PostgreSQL types, plus triggers that
/// log changes and `pg_notify` watchers (no polling).
enum PostgresSchema {
    /// The channel `LISTEN`ed to; its payload is empty (the change log holds the detail).
    static let channel = "margintop_changes"
    /// Advisory lock ids: migrations, and the change-log writer lock that makes
    /// `seq` order equal commit order (a watcher never skips a late commit).
    static let migrationLock: Int64 = 0x6d61_7267_0001
    static let changeLogLock: Int64 = 0x6d61_7267_0002
    /// Held by each audit append until commit, so the chain never forks (``AuditChain``).
    static let auditChainLock: Int64 = 0x6d61_7267_0003
    /// The channel a shard's publish notifies (payload `K/N`).
    static let clusterChannel = "margintop_cluster"

    /// Migrations in order; `migrations[i]` brings the schema to version `i + 1`.
    static let migrations: [[String]] = [v1, v2, v3, v4]

    /// The audit log becomes a hash chain (``AuditChain``): `prev_hash` and `hash` on every row,
    /// the rows already there chained as found, in `seq` order. `mt_audit_hash` is the chain's
    /// hash in SQL, the same function as the Swift one (the verifier recomputes in Swift).
    static let v3: [String] = [
        """
        CREATE FUNCTION mt_audit_field(t TEXT) RETURNS bytea LANGUAGE sql IMMUTABLE STRICT AS $$
            SELECT int8send(octet_length(convert_to(t, 'UTF8'))::bigint) || convert_to(t, 'UTF8')
        $$
        """,
        """
        CREATE FUNCTION mt_audit_hash(prev TEXT, seq BIGINT, at_ms BIGINT, op TEXT, action TEXT, payload TEXT)
            RETURNS TEXT LANGUAGE sql IMMUTABLE STRICT AS $$
            SELECT encode(sha256(mt_audit_field('\(AuditChain.tag)') || mt_audit_field(prev)
                || mt_audit_field(seq::text) || mt_audit_field(at_ms::text) || mt_audit_field(op)
                || mt_audit_field(action) || mt_audit_field(payload)), 'hex')
        $$
        """,
        "ALTER TABLE audit_log ADD COLUMN prev_hash TEXT, ADD COLUMN hash TEXT",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
        """
        DO $$
        DECLARE
            r RECORD;
            prev TEXT := '\(AuditChain.genesis)';
        BEGIN
            FOR r IN SELECT seq, at_ms, operator, action, payload FROM audit_log ORDER BY seq LOOP
                UPDATE audit_log SET prev_hash = prev,
                    hash = mt_audit_hash(prev, r.seq, r.at_ms, r.operator, r.action, r.payload)
                    WHERE seq = r.seq RETURNING hash INTO prev;
            END LOOP;
        END $$
        """,
        "ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only",
        "ALTER TABLE audit_log ALTER COLUMN prev_hash SET NOT NULL, ALTER COLUMN hash SET NOT NULL",
    ]

    /// The figures an operator confirmed when opening a review, beside those recomputed at commit.
    static let v2: [String] = [
        """
        ALTER TABLE review_transitions
            ADD COLUMN confirmed_equity DOUBLE PRECISION, ADD COLUMN confirmed_adjusted_equity DOUBLE PRECISION,
            ADD COLUMN confirmed_initial_margin DOUBLE PRECISION,
            ADD COLUMN confirmed_maintenance_margin DOUBLE PRECISION,
            ADD COLUMN confirmed_margin_ratio DOUBLE PRECISION, ADD COLUMN confirmed_state TEXT,
            ADD COLUMN confirmed_distance_to_liquidation DOUBLE PRECISION, ADD COLUMN confirmed_at_ms BIGINT
        """
    ]

    static let v1: [String] =
        [
            """
            CREATE TABLE market (
                id BIGINT PRIMARY KEY CHECK (id = 1),
                as_of TEXT NOT NULL, quote TEXT NOT NULL, insurance_fund DOUBLE PRECISION NOT NULL,
                model TEXT NOT NULL, warn DOUBLE PRECISION NOT NULL, danger DOUBLE PRECISION NOT NULL,
                so_im_base DOUBLE PRECISION NOT NULL, so_im_floor DOUBLE PRECISION NOT NULL, so_mm DOUBLE PRECISION NOT NULL,
                pf_extreme_multiple DOUBLE PRECISION NOT NULL, pf_extreme_cover DOUBLE PRECISION NOT NULL,
                pf_somc DOUBLE PRECISION NOT NULL, pf_im_multiplier DOUBLE PRECISION NOT NULL,
                es_horizon_days DOUBLE PRECISION NOT NULL, es_im_multiplier DOUBLE PRECISION NOT NULL,
                vol_factor_max DOUBLE PRECISION NOT NULL, stale_after_seconds DOUBLE PRECISION NOT NULL,
                has_history BIGINT NOT NULL)
            """,
            """
            CREATE TABLE assets (
                ord BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, price DOUBLE PRECISION, stable BIGINT NOT NULL,
                haircut DOUBLE PRECISION NOT NULL, borrow_add_on DOUBLE PRECISION NOT NULL, vol DOUBLE PRECISION,
                scan_range DOUBLE PRECISION, vol_scan_range DOUBLE PRECISION)
            """,
            """
            CREATE TABLE venues (
                ord BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, haircut_add_on DOUBLE PRECISION NOT NULL,
                transfer_latency_seconds DOUBLE PRECISION)
            """,
            """
            CREATE TABLE instruments (
                ord BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL, underlying TEXT NOT NULL,
                contract_size DOUBLE PRECISION NOT NULL, mark DOUBLE PRECISION, expiry TEXT, option_right TEXT,
                strike DOUBLE PRECISION, iv DOUBLE PRECISION)
            """,
            """
            CREATE TABLE brackets (
                instrument_ord BIGINT NOT NULL REFERENCES instruments(ord) ON DELETE CASCADE, ord BIGINT NOT NULL,
                up_to DOUBLE PRECISION, imf DOUBLE PRECISION NOT NULL, mmf DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (instrument_ord, ord))
            """,
            "CREATE TABLE history_dates (ord BIGINT PRIMARY KEY, date TEXT NOT NULL)",
            "CREATE TABLE history_series (ord BIGINT PRIMARY KEY, asset TEXT NOT NULL UNIQUE)",
            """
            CREATE TABLE history_returns (
                series_ord BIGINT NOT NULL REFERENCES history_series(ord) ON DELETE CASCADE,
                day_ord BIGINT NOT NULL, value DOUBLE PRECISION NOT NULL, PRIMARY KEY (series_ord, day_ord))
            """,
            "CREATE TABLE accounts (pk BIGINT PRIMARY KEY, id TEXT NOT NULL UNIQUE, name TEXT, model TEXT)",
            """
            CREATE TABLE subaccounts (
                account_pk BIGINT NOT NULL REFERENCES accounts(pk) ON DELETE CASCADE, ord BIGINT NOT NULL,
                id TEXT NOT NULL, PRIMARY KEY (account_pk, ord))
            """,
            """
            CREATE TABLE collateral (
                account_pk BIGINT NOT NULL, sub_ord BIGINT NOT NULL, ord BIGINT NOT NULL,
                asset TEXT NOT NULL, amount DOUBLE PRECISION NOT NULL, venue TEXT,
                PRIMARY KEY (account_pk, sub_ord, ord),
                FOREIGN KEY (account_pk, sub_ord) REFERENCES subaccounts(account_pk, ord) ON DELETE CASCADE)
            """,
            """
            CREATE TABLE positions (
                account_pk BIGINT NOT NULL, sub_ord BIGINT NOT NULL, ord BIGINT NOT NULL,
                instrument TEXT NOT NULL, quantity DOUBLE PRECISION NOT NULL, entry_price DOUBLE PRECISION NOT NULL,
                isolated_collateral DOUBLE PRECISION,
                PRIMARY KEY (account_pk, sub_ord, ord),
                FOREIGN KEY (account_pk, sub_ord) REFERENCES subaccounts(account_pk, ord) ON DELETE CASCADE)
            """,
            "CREATE TABLE change_log (seq BIGSERIAL PRIMARY KEY, kind TEXT NOT NULL, op TEXT NOT NULL, account_id TEXT)",
            """
            CREATE TABLE reviews (
                id BIGSERIAL PRIMARY KEY, account_id TEXT NOT NULL,
                status TEXT NOT NULL CHECK (status IN ('open', 'acknowledged', 'liquidated', 'dismissed')),
                version BIGINT NOT NULL, opened_by TEXT NOT NULL, opened_at_ms BIGINT NOT NULL,
                updated_at_ms BIGINT NOT NULL)
            """,
            "CREATE UNIQUE INDEX reviews_one_active ON reviews(account_id) WHERE status IN ('open', 'acknowledged')",
            "CREATE INDEX reviews_status ON reviews(status)",
            """
            CREATE TABLE review_transitions (
                review_id BIGINT NOT NULL REFERENCES reviews(id), version BIGINT NOT NULL,
                status TEXT NOT NULL, operator TEXT NOT NULL, at_ms BIGINT NOT NULL, note TEXT,
                equity DOUBLE PRECISION, adjusted_equity DOUBLE PRECISION, initial_margin DOUBLE PRECISION,
                maintenance_margin DOUBLE PRECISION, margin_ratio DOUBLE PRECISION, state TEXT,
                distance_to_liquidation DOUBLE PRECISION, PRIMARY KEY (review_id, version))
            """,
            """
            CREATE TABLE audit_log (
                seq BIGSERIAL PRIMARY KEY, at_ms BIGINT NOT NULL, operator TEXT NOT NULL,
                action TEXT NOT NULL, payload TEXT NOT NULL)
            """,
            """
            CREATE FUNCTION mt_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                RAISE EXCEPTION '% is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
            END $$
            """,
            """
            CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
                FOR EACH ROW EXECUTE FUNCTION mt_append_only()
            """,
            """
            CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
                FOR EACH STATEMENT EXECUTE FUNCTION mt_append_only()
            """,
            """
            CREATE TRIGGER review_transitions_append_only BEFORE UPDATE OR DELETE ON review_transitions
                FOR EACH ROW EXECUTE FUNCTION mt_append_only()
            """,
            """
            CREATE TRIGGER review_transitions_no_truncate BEFORE TRUNCATE ON review_transitions
                FOR EACH STATEMENT EXECUTE FUNCTION mt_append_only()
            """,
            """
            CREATE FUNCTION mt_quiet() RETURNS boolean LANGUAGE sql STABLE AS $$
                SELECT coalesce(current_setting('margintop.suppress', true), '') = 'on'
            $$
            """,
            """
            CREATE FUNCTION mt_log(k TEXT, o TEXT, a TEXT) RETURNS void LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_advisory_xact_lock(\(changeLogLock));
                INSERT INTO change_log (kind, op, account_id) VALUES (k, o, a);
            END $$
            """,
            """
            CREATE FUNCTION mt_log_market() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NOT mt_quiet() THEN PERFORM mt_log('market', 'changed', NULL); END IF;
                RETURN NULL;
            END $$
            """,
            """
            CREATE FUNCTION mt_log_account() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF mt_quiet() THEN RETURN NULL; END IF;
                IF TG_OP = 'INSERT' THEN PERFORM mt_log('account', 'added', NEW.id);
                ELSIF TG_OP = 'DELETE' THEN PERFORM mt_log('account', 'removed', OLD.id);
                ELSIF OLD.id <> NEW.id THEN
                    PERFORM mt_log('account', 'removed', OLD.id);
                    PERFORM mt_log('account', 'added', NEW.id);
                ELSE PERFORM mt_log('account', 'changed', NEW.id);
                END IF;
                RETURN NULL;
            END $$
            """,
            """
            CREATE FUNCTION mt_log_account_child() RETURNS trigger LANGUAGE plpgsql AS $$
            DECLARE
                key BIGINT;
                aid TEXT;
            BEGIN
                IF mt_quiet() THEN RETURN NULL; END IF;
                IF TG_OP = 'DELETE' THEN key := OLD.account_pk; ELSE key := NEW.account_pk; END IF;
                SELECT id INTO aid FROM accounts WHERE pk = key;
                IF aid IS NOT NULL THEN PERFORM mt_log('account', 'changed', aid); END IF;
                RETURN NULL;
            END $$
            """,
            """
            CREATE FUNCTION mt_notify() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                PERFORM pg_notify('\(channel)', '');
                RETURN NULL;
            END $$
            """,
            """
            CREATE TRIGGER change_log_notify AFTER INSERT ON change_log
                FOR EACH STATEMENT EXECUTE FUNCTION mt_notify()
            """,
            """
            CREATE TRIGGER accounts_log AFTER INSERT OR UPDATE OR DELETE ON accounts
                FOR EACH ROW EXECUTE FUNCTION mt_log_account()
            """,
        ]
        + Schema.accountChildTables.map { t in
            "CREATE TRIGGER \(t)_log AFTER INSERT OR UPDATE OR DELETE ON \(t) FOR EACH ROW EXECUTE FUNCTION mt_log_account_child()"
        }
        + Schema.marketTables.map { t in
            "CREATE TRIGGER \(t)_log AFTER INSERT OR UPDATE OR DELETE ON \(t) FOR EACH STATEMENT EXECUTE FUNCTION mt_log_market()"
        }
}
