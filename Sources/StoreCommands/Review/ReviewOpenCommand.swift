import ArgumentParser
import MarginStore

/// `review open ACCOUNT --note N`: opens a review, recording the account's metrics now.
public struct ReviewOpenCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "open", abstract: "Open a review of an account, recording its metrics now.")

    @Argument(help: "The account id.")
    var account: String
    @Option(name: .long, help: "Why the review is opened.")
    var note: String
    @OptionGroup var writeOptions: StoreWriteOptions

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let r = try await writeOptions.withStore {
                try await $0.openReview(account: account, operator: writeOptions.operatorName, note: note, prices: nil)
            }
            try StoreCLI.write(ReviewOutput.line(r), to: nil)
        }
    }
}
