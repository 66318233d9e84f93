import ArgumentParser
import Foundation
import Logging
import MarginCore
import MarginDashboard
import MarginFeeds
import MarginLive
import MarginRuntime
import MarginStore
import MarginTUI
import NCursesBackend
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
        try await reportingErrors { try await runDashboard() }
    }

    /// The dashboard: the store's book, live on the feed, reviews written through the store.
    func runDashboard() async throws {
        let followed: FollowedStore
        do { followed = try await FollowedStore.open(self.store) } catch { throw CLIError.runtime("\(error)") }
        let (store, book) = (followed.store, followed.book)
        let theme: Theme
        do {
            theme = try Theme.load(self.theme)
        } catch {
            throw CLIError.invalidData("\(error)")
        }
        let feed: any PriceFeed
        do {
            feed = try FeedFactory.make(spec: self.feed, universe: SimUniverse(book: book))
        } catch {
            if error.code == .badSpec { throw ValidationError("--feed \(self.feed): \(error.message)") }
            throw CLIError.runtime("\(error)")
        }
        let loop = LiveLoop(following: followed, feed: feed)
        let engine = loop.engine
        let options = DashboardOptions(operatorName: operatorName ?? NSUserName(), readOnly: readOnly)
        let service = StoreReviewService(store: store, engine: engine, operatorName: options.operatorName)
        let (snapshots, running) = loop.publishing(.dashboard)
        let outcome: (any Error)?
        do {
            let terminal = try await NCursesTerminal(theme: theme)
            let app = await DashboardApp(
                engine: engine, reviews: service, options: options, terminal: terminal,
                clock: loop.clock)
            let stats = await app.run(snapshots: snapshots)
            Logger(label: "margintop.dashboard").info(
                "dashboard closed: \(stats), \(book.accounts.count) accounts, feed \(feed.name)")
            outcome = nil
        } catch {
            outcome = error
        }
        running.cancel()
        await running.value
        await store.close()
        if let outcome { throw CLIError.runtime("\(outcome)") }
    }
}
