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
        // What can be checked without the book fails before the screen comes up.
        let spec: FeedSpec
        do { spec = try FeedSpec.parse(settings.feed) } catch {
            throw .usage("--feed \(settings.feed): \(error.message)")
        }
        let theme: Theme
        do { theme = try Theme.load(settings.theme) } catch { throw .invalidData("\(error)") }
        // The screen comes up before the book is read (seconds at a million accounts) and says what
        // is being done; q or a stop signal leaves at once (nothing has been written yet).
        let terminal: NCursesTerminal
        do { terminal = try await NCursesTerminal(theme: theme, mouse: settings.mouse) } catch {
            throw .runtime("\(error)")
        }
        let starting = await StartingScreen(terminal: terminal, options: settings.dashboardOptions)
        await starting.show("reading the book from \(StartingScreen.storeName(settings.store))")
        let followed: FollowedStore
        do { followed = try await FollowedStore.open(settings.store) } catch {
            await terminal.restore()
            throw .runtime("\(error)")
        }
        let (store, book) = (followed.store, followed.book)
        let feed: any PriceFeed
        do {
            feed = try FeedFactory.make(spec, universe: SimUniverse(book: book))
        } catch {
            await terminal.restore()
            await store.close()
            if error.code == .badSpec { throw .usage("--feed \(settings.feed): \(error.message)") }
            throw .runtime("\(error)")
        }
        await starting.show("compiling \(Fmt.count(book.accounts.count)) accounts for the live engine")
        let loop = LiveLoop(following: followed, feed: feed)
        let engine = loop.engine
        let options = settings.dashboardOptions
        let service = StoreReviewService(store: store, engine: engine, operatorName: options.operatorName)
        let metrics = server.map { LoopMetrics(server: $0, loop: loop, near: settings.near) }
        var loopOptions = LiveLoop.Options.dashboard
        loopOptions.stepLatency = metrics?.latencyObserver
        let (snapshots, running) = loop.publishing(loopOptions, observe: metrics?.eventObserver)
        let app = await DashboardApp(
            engine: engine, reviews: service, options: options, terminal: terminal, clock: loop.clock)
        let stats = await app.run(snapshots: snapshots)
        Logger(label: "margintop.dashboard").info(
            "dashboard closed: \(stats), \(book.accounts.count) accounts, feed \(feed.name)")
        running.cancel()
        await store.close()
        exit(0)
    }
}

/// The dashboard's screen while the book is read and compiled, before the live loop has a snapshot:
/// the header and the overview say what is being done. `q`, Ctrl-C or a stop signal give the terminal
/// back and leave at once (status 0, as `q` on the dashboard; nothing has been written).
@MainActor
final class StartingScreen {
    private let terminal: NCursesTerminal
    private var state: AppState

    init(terminal: NCursesTerminal, options: DashboardOptions) {
        self.terminal = terminal
        state = AppState(operatorName: options.operatorName, readOnly: options.readOnly)
        // Held by the terminal until the dashboard's handler replaces this one: a Ctrl-C while the
        // book compiles (the screen's last use here) still leaves.
        terminal.start { event in self.handle(event) }
    }

    /// Shows `doing` (`reading the book from …`) and lets the screen draw it before the work starts.
    func show(_ doing: String) async {
        state.loading = doing
        draw()
        await Task.yield()
    }

    private func draw() {
        let size = terminal.size
        state.rows = size.rows
        state.cols = size.cols
        terminal.draw(render(state))
    }

    private func handle(_ event: TerminalEvent) {
        switch event {
        case .key(.char("q")), .stop:
            terminal.restore()
            exit(0)
        case .resize, .redraw:
            terminal.invalidate()
            draw()
        case .key, .mouse:
            break
        }
    }

    /// The store as the screen names it: its URL without a password, or the embedded default's.
    nonisolated static func storeName(_ url: String?) -> String {
        guard let url else { return "the embedded store" }
        return (try? StoreURL.parse(url))?.description ?? "the store"
    }
}
