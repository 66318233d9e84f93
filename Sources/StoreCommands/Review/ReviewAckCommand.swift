import ArgumentParser

/// `review ack ID`: acknowledges an open review.
public struct ReviewAckCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an open review.")

    @OptionGroup var options: ReviewMoveOptions

    public init() {}

    public func run() async throws { try await options.move(to: .acknowledged) }
}
