import ArgumentParser

/// `review list|open|ack|resolve`: operators' reviews of accounts at risk.
public struct ReviewCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Open, acknowledge, resolve and list reviews of accounts.",
        subcommands: [
            ReviewListCommand.self, ReviewOpenCommand.self, ReviewAckCommand.self,
            ReviewResolveCommand.self,
        ])

    public init() {}
}
