import ArgumentParser
import Foundation
import MarginRuntime
import StoreCommands

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The live dashboard (the default: `margintop` alone runs it).",
        discussion: """
            Watches the store's accounts live on the feed; reviews are written through the store. \
            Keys: ? help, q quit, Enter drill down, / filter, L review, R review queue, S system curve.
            """
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
            "Price feed (see `margintop watch --help`); the default simulates the book's assets in real time.",
            valueName: "SPEC"))
    var feed: String = "sim:accel=1"

    @Option(name: .long, help: "Theme: default, light, high-contrast, monochrome, or a .toml file.")
    var theme: String = "default"

    @Option(name: .customLong("operator"), help: "Operator name on reviews (default: the login name).")
    var operatorName: String?

    @Flag(name: .customLong("read-only"), help: "Hide every action (reviews).")
    var readOnly = false

    func validate() throws { try OperatorOption.check(operatorName) }

    func run() async throws {
        try await reportingErrors {
            var settings = DashboardSettings(operatorName: operatorName ?? NSUserName())
            settings.store = store
            settings.feed = feed
            settings.theme = theme
            settings.readOnly = readOnly
            do throws(DashboardLaunchError) { try await DashboardLauncher.run(settings) } catch {
                throw CLIError(message: error.message, code: error.code)
            }
        }
    }
}
