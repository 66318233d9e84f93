import ArgumentParser
import Foundation
import MarginCore
import StoreCommands

@main
struct Margintop: AsyncParsableCommand {
    /// Logs go to a file before anything else runs, so no library writes over a screen.
    static func main() async {
        FileLogHandler.bootstrap()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }

    static let configuration = CommandConfiguration(
        commandName: "margintop",
        abstract: "A live cross-margin risk dashboard for crypto derivatives books.",
        discussion: """
            With no subcommand, margintop starts the dashboard on the account store and the feed. \
            Exit status: 0 success, 1 runtime failure, 64 bad usage, \
            65 invalid data.
            """,
        version: "0.1.0",
        subcommands: [SnapshotCommand.self, ValidateCommand.self, DemoBookCommand.self, ImportCommand.self, ExportCommand.self,
                      ReviewCommand.self, StoreBenchCommand.self, WatchCommand.self, RecordCommand.self, BenchCommand.self]
    )

    @Option(name: .long, help: ArgumentHelp("Account store: sqlite:PATH or postgres://USER@HOST:PORT/DB (default: the embedded SQLite store, seeded with a demo book).", valueName: "URL"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("Price feed (see `margintop watch --help`).", valueName: "SPEC"))
    var feed: String = "sim:accel=1"

    @Option(name: .long, help: "Theme: default, light, high-contrast, monochrome, or a .toml file.")
    var theme: String = "default"

    @Option(name: .customLong("operator"), help: "Operator name on reviews (default: the login name).")
    var operatorName: String?

    @Flag(name: .customLong("read-only"), help: "Hide every action (reviews).")
    var readOnly = false

    func run() async throws {
        try await reportingErrors { try await runDashboard() }
    }
}
