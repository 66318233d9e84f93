import ArgumentParser
import MarginCore

/// `review resolve ID --outcome liquidated|dismissed`: closes a review.
public struct ReviewResolveCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Resolve a review as liquidated or dismissed.")

    @OptionGroup var options: ReviewMoveOptions
    @Option(name: .long, help: "liquidated or dismissed.")
    var outcome: ReviewOutcome

    public init() {}

    public func run() async throws { try await options.move(to: outcome.status) }
}
