import ArgumentParser
import MarginCore
import MarginStore

/// `grant-app-role NAME --store postgres://OWNER@...`: makes NAME the store's application role,
/// which owns nothing and so cannot drop a trigger, alter a table or rewrite the audit trail.
public struct GrantAppRoleCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "grant-app-role",
        abstract: "Make a PostgreSQL role the store's application role (run as the owner role).",
        discussion: """
            The role must exist and own nothing in the database. It gets SELECT on every table, INSERT on \
            audit_log, review_transitions, reviews and the book tables, UPDATE of a review's status, version and \
            updated_at_ms, and what replacing the book and editing accounts need; never UPDATE or DELETE of an \
            audit row or a transition, nor any DDL. Run it again after each upgrade.
            """)

    @Argument(help: "The role margintop connects as day to day.")
    var name: String
    @OptionGroup var storeOptions: StoreOptions
    @Flag(name: .customLong("print"), help: "Print the statements instead of running them (the checks still run).")
    var printOnly = false

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let statements = try await storeOptions.withStore(.readWrite) { store in
                guard let pg = store as? PostgresStore else {
                    throw StoreCLIFailure(message: "grant-app-role needs a PostgreSQL store (postgres://...)", code: 64)
                }
                return try await pg.grantAppRole(name, apply: !printOnly)
            }
            let text = statements.map { TextCell.escapeControls($0) + ";\n" }.joined()
            try StoreCLI.write(
                printOnly ? text : text + "granted: \(TextCell.escapeControls(name)) is the application role\n", to: nil
            )
        }
    }
}
