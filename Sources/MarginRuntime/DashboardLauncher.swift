import Foundation
import Logging
import MarginCore
import MarginDashboard
import MarginFeeds
import MarginMetrics
import MarginStore
import MarginTUI
import NCursesBackend
import TerminalCore

/// Why the dashboard could not start, with the exit status of cli.md (64 bad usage, 65 invalid data,
/// 1 runtime failure).
public struct DashboardLaunchError: Error, CustomStringConvertible {
    public var message: String
    public var code: Int32
    public var description: String { message }

    public static func usage(_ m: String) -> DashboardLaunchError { DashboardLaunchError(message: m, code: 64) }
    public static func invalidData(_ m: String) -> DashboardLaunchError { DashboardLaunchError(message: m, code: 65) }
    public static func runtime(_ m: String) -> DashboardLaunchError { DashboardLaunchError(message: m, code: 1) }
}

/// Starts the dashboard: the store's book, live on the feed, on the curses terminal; reviews written
/// through the store.
///
/// ```swift
/// try await DashboardLauncher.run(settings)   // returns only on failure: `q` exits the process
/// ```
public enum DashboardLauncher {
    /// `margintop dashboard --help`'s discussion.
    public static let commandDiscussion = """
        Watches the store's accounts live on the feed; reviews are written through the store. \
        Keys: ? help (every key and a legend of the columns), q quit, Enter drill down, / filter \
        (/dist<5% by distance to liquidation), d sort by distance (nearest first), z pause, \
        c columns, L review, R review queue, S system curve.
        """

    /// Reads the config file (`--config`, else the default one), puts the command line over it, and runs.
    public static func run(
        _ cli: DashboardSettings.CommandLine, config path: String?, loginName: String
    ) async throws(DashboardLaunchError) {
        let config: DashboardConfig
        do { config = try DashboardConfig.load(path) } catch {
            throw DashboardLaunchError(message: error.description, code: error.code)
        }
        let settings = try DashboardSettings.resolve(cli, config: config, loginName: loginName)
        // The same store, theme, operator and read-only as the dashboard's.
        if cli.cluster { return try await ClusterScreen.run(settings) }
        try await run(settings)
    }

    /// Runs the dashboard until `q` or a stop signal, then exits the process with status 0 at once.
    ///
    /// Leaving does not wait for the live loop's step in flight nor tear the book down (at 100,000
    /// accounts that took 0.9-1.6 s in a debug build after the screen was gone): the app has
    /// awaited its review writes, the store is closed, and `exit` ends the loop and the analysis thread.
    public static func run(_ settings: DashboardSettings) async throws(DashboardLaunchError) {
        // `--metrics` listens before the store opens: an address in use fails at once.
        let server: MetricsServer?
        do { server = try await LoopMetrics.serve(settings.metrics, announce: false) } catch {
            throw DashboardLaunchError(message: error.message, code: error.exitCode)
        }
        let followed: FollowedStore
        do { followed = try await FollowedStore.open(settings.store) } catch {
            throw .runtime("\(error)")
        }
        let (store, book) = (followed.store, followed.book)
        let theme: Theme
        let feed: any PriceFeed
        do {
            theme = try Theme.load(settings.theme)
        } catch {
            await store.close()
            throw .invalidData("\(error)")
        }
        do {
            feed = try FeedFactory.make(spec: settings.feed, universe: SimUniverse(book: book))
        } catch {
            await store.close()
            if error.code == .badSpec { throw .usage("--feed \(settings.feed): \(error.message)") }
            throw .runtime("\(error)")
        }
        let loop = LiveLoop(following: followed, feed: feed)
        let engine = loop.engine
        let options = settings.dashboardOptions
        let service = StoreReviewService(store: store, engine: engine, operatorName: options.operatorName)
        let metrics = server.map { LoopMetrics(server: $0, loop: loop, near: settings.near) }
        var loopOptions = LiveLoop.Options.dashboard
        loopOptions.stepLatency = metrics?.latencyObserver
        let (snapshots, running) = loop.publishing(loopOptions, observe: metrics?.eventObserver)
        let failure: (any Error)?
        do {
            let terminal = try await NCursesTerminal(theme: theme, mouse: settings.mouse)
            let app = await DashboardApp(
                engine: engine, reviews: service, options: options, terminal: terminal, clock: loop.clock)
            let stats = await app.run(snapshots: snapshots)
            Logger(label: "margintop.dashboard").info(
                "dashboard closed: \(stats), \(book.accounts.count) accounts, feed \(feed.name)")
            failure = nil
        } catch {
            failure = error
        }
        running.cancel()
        await store.close()
        if let failure { throw .runtime("\(failure)") }
        exit(0)
    }
}
