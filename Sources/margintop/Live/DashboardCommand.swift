import ArgumentParser
import Foundation
import Logging
import MarginCore
import MarginDashboard
import MarginFeeds
import MarginLive
import MarginStore
import MarginTUI

struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "The live dashboard (the default: `margintop` alone runs it).",
        discussion: """
            Watches the store's accounts live on the feed; reviews are written through the store. \
            Keys: ? help, q quit, Enter drill down, / filter, L review, R review queue, S system curve.
            """
    )

    @Option(name: .long, help: ArgumentHelp("Account store: sqlite:PATH or postgres://USER@HOST:PORT/DB (default: the embedded SQLite store, seeded with a demo book).", valueName: "URL"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("Price feed (see `margintop watch --help`); the default simulates the book's assets in real time.", valueName: "SPEC"))
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

    /// The dashboard: the store's book, live on the feed, reviews written through the store.
    func runDashboard() async throws {
        let store: any AccountStore
        do {
            store = try await openStore(self.store)
        } catch {
            throw CLIError.runtime("\(error)")
        }
        // Subscribe before loading, so no change falls between the load and the watching.
        let storeChanges = await store.changes()
        let book: Book
        do {
            book = try await store.loadBook()
        } catch {
            await store.close()
            throw CLIError.runtime("\(error)")
        }
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
        let engine = LiveEngine(book: book, now: wallClock(), clock: wallClock)
        var options = DashboardOptions(operatorName: operatorName ?? NSUserName(), readOnly: readOnly, theme: theme)
        options.feedName = feed.name
        let service = StoreReviewService(store: store, engine: engine, operatorName: options.operatorName)
        let (updates, sink) = AsyncStream<[PriceUpdate]>.makeStream(bufferingPolicy: .bufferingNewest(50_000))
        let ticks = Task {
            for await tick in feed.ticks() { sink.yield([PriceUpdate(tick)]) }
            sink.finish()
        }
        let statuses = Task {
            // The header reads "feed sim" while live, "feed binance down: ..." otherwise (the app's
            // feeder writes the same name on the first batch).
            for await status in feed.statuses() {
                await engine.setFeedStatus(status.isLive ? feed.name : "\(feed.name) \(status)", isLive: status.isLive)
            }
        }
        // Accounts changed by other processes: applied to the book, live prices carried over.
        let changes = StoreFollower.start(store: store, changes: storeChanges, book: book, engine: engine) { _ in }
        let storeStatus = Task {
            for await s in await store.statusUpdates() { await engine.setStoreStatus("\(s)") }
        }
        let app = await DashboardApp(engine: engine, reviews: service, options: options)
        let outcome: (any Error)?
        do {
            let stats = try await app.run(updates: updates)
            Logger(label: "margintop.dashboard").info("dashboard closed: \(stats), \(book.accounts.count) accounts, feed \(feed.name)")
            outcome = nil
        } catch {
            outcome = error
        }
        ticks.cancel(); statuses.cancel(); changes.cancel(); storeStatus.cancel()
        await feed.stop()
        await store.close()
        if let outcome { throw CLIError.runtime("\(outcome)") }
    }
}
