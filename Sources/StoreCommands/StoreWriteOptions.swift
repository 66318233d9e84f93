import ArgumentParser
import MarginStore

/// `--store URL --operator NAME`: where a write goes and who makes it (audited), shared by the
/// commands that write.
struct StoreWriteOptions: ParsableArguments {
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var operatorOption: OperatorOption

    /// Who acts.
    var operatorName: String { operatorOption.resolved }

    /// Runs `body` with the store opened as `access` says and closes it on every path.
    func withStore<T>(
        _ access: StoreAccess = .readWrite, _ body: (any AccountStore) async throws -> T
    ) async throws -> T {
        try await storeOptions.withStore(access, body)
    }
}
