import ArgumentParser
import Foundation
import MarginRuntime
import StoreCommands

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The live dashboard (the default: `margintop` alone runs it).",
        discussion: DashboardLauncher.commandDiscussion
    )

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Account store: sqlite:PATH or postgres://USER@HOST:PORT/DB (default: the embedded SQLite store, seeded with a demo book).",
            valueName: "URL"))
    var store: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Price feed (see `margintop watch --help`; default: the book's assets simulated in real time, sim:accel=1).",
            valueName: "SPEC"))
    var feed: String?

    @Option(name: .long, help: "Theme: default, light, high-contrast, monochrome, or a .toml file (default: default).")
    var theme: String?

    @Option(name: .customLong("operator"), help: "Operator name on reviews (default: the login name).")
    var operatorName: String?

    @Flag(name: .customLong("read-only"), help: "Hide every action (reviews).")
    var readOnly = false

    @Flag(name: .customLong("no-mouse"), help: "No clicks or wheel: the terminal's own text selection stays.")
    var noMouse = false

    @Option(
        help: ArgumentHelp(
            "Overview columns in order, e.g. id,name,ratio,dist,state (c in the dashboard).", valueName: "LIST"))
    var columns: String?

    @Option(
        help: ArgumentHelp("Sort at start: priority, distance, equity, ... (a leading - reverses).", valueName: "KEY"))
    var sort: String?

    @Option(help: "A DIST below this fraction of the market move stands out (default 0.05).")
    var near: String?

    @Option(
        help: ArgumentHelp(
            "Defaults from FILE (default: $XDG_CONFIG_HOME/margintop/config.toml); options given here win.",
            valueName: "FILE"))
    var config: String?

    @Option(help: ArgumentHelp(LoopMetrics.optionHelp, valueName: "HOST:PORT"))
    var metrics: String?

    @Flag(help: "The merged view of a PostgreSQL store's shards (watch --shard K/N): drill-down, reviews (L).")
    var cluster = false

    func validate() throws { try OperatorOption.check(operatorName) }

    func run() async throws {
        try await reportingErrors {
            var cli = DashboardSettings.CommandLine()
            (cli.store, cli.feed, cli.theme, cli.operatorName) = (store, feed, theme, operatorName)
            (cli.metrics, cli.cluster) = (metrics, cluster)
            (cli.columns, cli.sort, cli.near, cli.readOnly, cli.noMouse) = (columns, sort, near, readOnly, noMouse)
            do throws(DashboardLaunchError) {
                try await DashboardLauncher.run(cli, config: config, loginName: NSUserName())
            } catch {
                throw CLIError(message: error.message, code: error.code)
            }
        }
    }
}
