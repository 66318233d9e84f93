import ArgumentParser
import MarginStore

/// `review open ACCOUNT... --note N`: opens a review of each account in one transaction (all or
/// none), recording their metrics now.
public struct ReviewOpenCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "open", abstract: "Open a review of each account, all or none, recording their metrics now.")

    @Argument(help: "The account ids (one or more: all are opened, or none).")
    var accounts: [String]
    @Option(name: .long, help: "Why the review is opened.")
    var note: String
    @OptionGroup var writeOptions: StoreWriteOptions

    public init() {}

    public func validate() throws {
        guard !accounts.isEmpty else { throw ValidationError("give at least one account id") }
    }

    public func run() async throws {
        try await StoreCLI.run {
            let reviews = try await writeOptions.withStore {
                try await $0.openReviews(
                    accounts: accounts, operator: writeOptions.operatorName, note: note, prices: nil, confirmed: [])
            }
            try StoreCLI.write(reviews.map(ReviewOutput.line).joined(), to: nil)
        }
    }
}
