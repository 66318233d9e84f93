/// Schema v4: shards (`watch --shard K/N`, `snapshot --cluster`).
extension PostgresSchema {
    /// Results tables' hash partitions (by `shard_key`).
    static let resultPartitions = 8

    /// `accounts.shard_key`, the distribution column (``ShardSpec/key(of:)``: FNV-1a 64 of the id's
    /// UTF-8 bytes shifted right by one bit), written by the import's `COPY` and, for every other
    /// write, by a trigger computing the same in SQL (`mt_shard_key`); existing rows are filled
    /// in. `cluster_results` (each shard's per-account results, hash-partitioned by `shard_key`)
    /// and `cluster_shards` (one heartbeat row per shard with its counts).
    ///
    /// The accounts table itself is not partitioned: PostgreSQL's `PARTITION BY HASH` needs the
    /// partition key in every unique key, and `accounts.pk` and `accounts.id` are unique alone
    /// (the child tables' foreign keys point at `pk`).
    ///
    /// `cluster_results` has its primary key alone, and half-full pages: a publish rewrites a row's
    /// figures, never its key, so the update is HOT (no index touched). The merged view's top
    /// accounts are a scan of one shard count's rows with a top-N sort (about 100k rows: tens of ms);
    /// an index on the ranking columns tripled the publish cost (measured at 100k accounts).
    static let v4: [String] =
        [
            // The FNV-1a 64 multiply in two 32-bit halves, so bigint never overflows:
            // h * (2^40 + 435) = h * 435 + (h << 40).
            """
            CREATE FUNCTION mt_shard_key(id TEXT) RETURNS BIGINT LANGUAGE plpgsql IMMUTABLE STRICT PARALLEL SAFE AS $$
            DECLARE
                bytes bytea := convert_to(id, 'UTF8');
                hi bigint := 3421674724;
                lo bigint := 2216829733;
                t bigint;
            BEGIN
                FOR i IN 0 .. length(bytes) - 1 LOOP
                    lo := lo # get_byte(bytes, i);
                    t := lo * 435;
                    hi := (hi * 435 + (t >> 32) + ((lo & 16777215) << 8)) & 4294967295;
                    lo := t & 4294967295;
                END LOOP;
                RETURN (hi << 31) | (lo >> 1);
            END $$
            """,
            "ALTER TABLE accounts ADD COLUMN shard_key BIGINT",
            """
            CREATE FUNCTION mt_set_shard_key() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF TG_OP = 'INSERT' AND NEW.shard_key IS NOT NULL THEN RETURN NEW; END IF;
                NEW.shard_key := mt_shard_key(NEW.id);
                RETURN NEW;
            END $$
            """,
            """
            CREATE TRIGGER accounts_shard_key BEFORE INSERT OR UPDATE OF id, shard_key ON accounts
                FOR EACH ROW EXECUTE FUNCTION mt_set_shard_key()
            """,
            "SET LOCAL margintop.suppress = 'on'",
            "UPDATE accounts SET shard_key = mt_shard_key(id)",
            "SET LOCAL margintop.suppress = 'off'",
            "ALTER TABLE accounts ALTER COLUMN shard_key SET NOT NULL",
            "CREATE INDEX accounts_shard_key ON accounts(shard_key)",
            """
            CREATE TABLE cluster_results (
                shard_count BIGINT NOT NULL, shard_key BIGINT NOT NULL, account_id TEXT NOT NULL, shard BIGINT NOT NULL,
                state TEXT NOT NULL, liquidatable BOOLEAN NOT NULL, margin_ratio DOUBLE PRECISION NOT NULL,
                maintenance_margin DOUBLE PRECISION NOT NULL, equity DOUBLE PRECISION NOT NULL,
                adjusted_equity DOUBLE PRECISION NOT NULL, distance DOUBLE PRECISION, stale BOOLEAN NOT NULL,
                result_ms BIGINT NOT NULL,
                PRIMARY KEY (shard_key, shard_count, account_id)) PARTITION BY HASH (shard_key)
            """,
            """
            CREATE TABLE cluster_shards (
                shard_count BIGINT NOT NULL, shard BIGINT NOT NULL, host TEXT NOT NULL, pid BIGINT NOT NULL,
                started_ms BIGINT NOT NULL, last_publish_ms BIGINT NOT NULL, publishes BIGINT NOT NULL,
                feed TEXT NOT NULL, feed_finished BOOLEAN NOT NULL, store TEXT NOT NULL, last_exchange_ms BIGINT,
                accounts BIGINT NOT NULL, safe BIGINT NOT NULL, warning BIGINT NOT NULL, danger BIGINT NOT NULL,
                liquidatable BIGINT NOT NULL, bankrupt BIGINT NOT NULL, error BIGINT NOT NULL, shortfall DOUBLE PRECISION NOT NULL,
                insurance_fund DOUBLE PRECISION NOT NULL, stale_accounts BIGINT NOT NULL,
                near_liquidation BIGINT NOT NULL, rejected BIGINT NOT NULL, publish_rows BIGINT NOT NULL,
                publish_ms DOUBLE PRECISION NOT NULL,
                PRIMARY KEY (shard_count, shard))
            """,
        ]
        + (0..<resultPartitions).map { i in
            "CREATE TABLE cluster_results_p\(i) PARTITION OF cluster_results FOR VALUES WITH (MODULUS \(resultPartitions), REMAINDER \(i)) WITH (fillfactor = 50)"
        }
}
