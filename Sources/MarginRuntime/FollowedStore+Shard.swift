import MarginCore
import MarginStore

extension FollowedStore {
    /// `watch`'s store: read-only, or with `--shard K/N` (given as text), the PostgreSQL store at
    /// `url` written (the shard's results), seen as that shard's (``ShardedStore``), and the
    /// publisher of its results.
    public static func open(_ url: String?, shard: String?) async throws(StoreError) -> (
        FollowedStore, ShardPublisher?
    ) {
        guard let shard else { return (try await open(url, access: .readOnly), nil) }
        let spec: ShardSpec
        do { spec = try ShardSpec.parse(shard) } catch { throw StoreError.database("--shard \(shard): \(error)") }
        let store = try await openStore(url, access: .readWrite)
        guard let pg = store as? PostgresStore else {
            await store.close()
            throw StoreError.database("--shard needs a PostgreSQL store (postgres://...)")
        }
        let sharded = ShardedStore(pg, shard: spec)
        let changes = await sharded.changes()
        do {
            let followed = FollowedStore(store: sharded, changes: changes, book: try await sharded.loadBook())
            return (followed, ShardPublisher(store: pg, shard: spec))
        } catch {
            await sharded.close()
            throw error
        }
    }

    /// Why `--shard` cannot be used with this `--store` / `--book` (a usage error), or `nil`.
    public static func shardUsageError(shard: String?, store: String?, book: String?) -> String? {
        guard let shard else { return nil }
        do { _ = try ShardSpec.parse(shard) } catch {
            return "--shard \(TextCell.escapeControls(shard)): \(error.message)"
        }
        let postgres: Bool
        if let store, case .postgres = try? StoreURL.parse(store) { postgres = true } else { postgres = false }
        guard book == nil, postgres else {
            return "--shard needs --store postgres://...: shards are PostgreSQL only (not a book file or SQLite)"
        }
        return nil
    }
}
