import MarginCore
import MarginStore

/// A store opened to be followed live: its changes are subscribed before its book is loaded,
/// so no change falls between the load and the watching.
public struct FollowedStore: Sendable {
    public let store: any AccountStore
    public let changes: AsyncStream<StoreChange>
    public let book: Book

    /// Opens `url` (the embedded default store for `nil`) as `access` says, subscribes, then
    /// loads the book; the store is closed again when the load fails.
    public static func open(_ url: String?, access: StoreAccess = .readWrite) async throws(StoreError)
        -> FollowedStore
    {
        let store = try await openStore(url, access: access)
        let changes = await store.changes()
        do {
            return FollowedStore(store: store, changes: changes, book: try await store.loadBook())
        } catch {
            await store.close()
            throw error
        }
    }
}
