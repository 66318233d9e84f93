import ArgumentParser
import MarginCore
import MarginStore

/// `review list [--status S] [--format table|json]`: reviews, newest first.
public struct ReviewListCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "list", abstract: "List reviews, newest first.")

    /// How `review list` prints.
    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .long, help: "Only reviews with this status (open|acknowledged|liquidated|dismissed).")
    var status: ReviewStatus?
    @Option(name: .long, help: "table or json.")
    var format: Format = .table

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let reviews = try await storeOptions.withStore(.readOnly) { try await $0.reviews(status: status) }
            switch format {
            case .json: try StoreCLI.write(ReviewOutput.json(reviews), to: nil)
            case .table: try StoreCLI.write(ReviewOutput.table(reviews), to: nil)
            }
        }
    }
}
