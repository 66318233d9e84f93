import ArgumentParser

/// `audit verify`: the audit trail's checks.
public struct AuditCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Check the store's tamper-evident audit trail.",
        subcommands: [AuditVerifyCommand.self])

    public init() {}
}
