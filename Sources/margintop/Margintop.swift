import ArgumentParser
import Foundation
import MarginCore
import MarginRuntime
import StoreCommands

@main
struct Margintop: AsyncParsableCommand {
    /// Logs go to a file before anything else runs, so no library writes over a screen.
    static func main() async {
        FileLogHandler.bootstrap()
        // A write to a closed pipe (an alert command that exited early, `| head`) is an error to handle, not a kill.
        signal(SIGPIPE, SIG_IGN)
        MallocTuning.apply(environment: ProcessInfo.processInfo.environment)
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
        subcommands: [
            DashboardCommand.self, SnapshotCommand.self, ValidateCommand.self, DemoBookCommand.self, ImportCommand.self,
            ExportCommand.self, AuditCommand.self,
            ReviewCommand.self, StoreBenchCommand.self, WatchCommand.self, RecordCommand.self, BenchCommand.self,
        ],
        defaultSubcommand: DashboardCommand.self
    )
}
