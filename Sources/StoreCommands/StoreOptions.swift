import ArgumentParser
import MarginStore

/// `--store URL`, shared by every store command.
public struct StoreOptions: ParsableArguments {
    @Option(
        name: .long,
        help: ArgumentHelp(
            "Store URL: sqlite:PATH, a plain path, or postgres://USER@HOST:PORT/DB "
                + "(password from PGPASSWORD or ~/.pgpass). Default: sqlite:$XDG_DATA_HOME/margintop/margintop.sqlite.",
            valueName: "URL"))
    public var store: String?

    public init() {}

    /// Opens the store as `access` says (seeding the default one with the demo book on first use).
    func open(_ access: StoreAccess = .readWrite) async throws -> any AccountStore {
        try await openStore(store, access: access)
    }

    /// Runs `body` with the store opened as `access` says and closes it on every path.
    func withStore<T>(
        _ access: StoreAccess = .readWrite, _ body: (any AccountStore) async throws -> T
    ) async throws -> T {
        let store = try await open(access)
        do {
            let r = try await body(store)
            await store.close()
            return r
        } catch {
            await store.close()
            throw error
        }
    }
}
