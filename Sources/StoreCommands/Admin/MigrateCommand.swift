import ArgumentParser
import MarginStore

/// `migrate --store URL`: brings a store's schema up to date. On PostgreSQL, run it as the role
/// that owns the store (the application role may not create or alter anything).
public struct MigrateCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the store's schema up to date (on PostgreSQL: as the role that owns it).")

    @OptionGroup var storeOptions: StoreOptions

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let url = try await storeOptions.withStore(.readWrite) { $0.url }
            try StoreCLI.write("store \(url) is up to date\n", to: nil)
        }
    }
}
