import ArgumentParser
import Foundation
import MarginCore
import MarginFeeds
import MarginLive
import MarginMetrics
import MarginRuntime
import MarginStore
import StoreCommands

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch a book live without a screen: one NDJSON event per line on stdout.",
        discussion: Watcher.commandDiscussion
    )

    @Flag(name: .long, help: "Run without a screen (the only mode of this command; the dashboard is `margintop`).")
    var headless = false

    @Option(name: .long, help: "A margintop.book/1 file to watch (instead of a store).")
    var book: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Account store to watch: sqlite:PATH or postgres://USER@HOST:PORT/DB (default: the embedded SQLite store). Accounts changed in the store are picked up live.",
            valueName: "URL"))
    var store: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "Price feed: sim[:seed=7,rate=500,accel=N,crash], replay:FILE[,speed=N|max][,step=500ms|1s|1m][,loop], ndjson:-|FILE, binance:URL, deribit:URL, coinbase:URL.",
            valueName: "SPEC"))
    var feed: String = "sim"

    @Option(name: .customLong("alert-command"), help: "A shell command run per alert with the event JSON on stdin.")
    var alertCommand: String?

    @Option(name: .customLong("alert-rate"), help: "Most alert commands a minute.")
    var alertRate: Int = 30

    @Option(name: .customLong("summary-every"), help: "Seconds between summary events.")
    var summaryEvery = DecimalArgument(5)

    @Option(name: .long, help: "Near-liquidation threshold: a market move fraction in (0, 10].")
    var near = "0.05"

    @Option(name: .long, help: "Stop after this many seconds (default: run until the feed ends or a signal).")
    var duration: DecimalArgument?

    @Option(help: ArgumentHelp(LoopMetrics.optionHelp, valueName: "HOST:PORT"))
    var metrics: String?

    @Option(help: ArgumentHelp(ShardPublisher.optionHelp, valueName: "K/N"))
    var shard: String?

    func validate() throws {
        guard headless else {
            throw ValidationError("watch needs --headless (the interactive view is `margintop` itself)")
        }
        guard book == nil || store == nil else { throw ValidationError("give --book FILE or --store URL, not both") }
        guard summaryEvery.value > 0, (duration?.value ?? 1) > 0 else {
            throw ValidationError("--summary-every and --duration must be > 0")
        }
        if let m = FollowedStore.shardUsageError(shard: shard, store: store, book: book) { throw ValidationError(m) }
        guard Watcher.parseNear(near) != nil else {
            throw ValidationError(
                "--near must be a decimal fraction in (0, 10], e.g. 0.05, not '\(TextCell.escapeControls(near))'")
        }
    }

    func run() async throws {
        try await reportingErrors {
            let server: MetricsServer?
            do throws(MetricsError) { server = try await LoopMetrics.serve(metrics, announce: true) } catch {
                throw CLIError(message: error.message, code: error.exitCode)
            }
            var (followed, publisher): (FollowedStore?, ShardPublisher?)
            if book == nil {
                do { (followed, publisher) = try await FollowedStore.open(store, shard: shard) } catch {
                    throw CLIError.runtime("\(error)")
                }
            }
            let b = try followed?.book ?? loadBook(book ?? "-")
            let priceFeed: any PriceFeed
            do {
                priceFeed = try FeedFactory.make(spec: feed, universe: SimUniverse(book: b))
            } catch let e as FeedError {
                await followed?.store.close()
                if e.code == .badSpec { throw ValidationError("--feed \(feed): \(e.message)") }
                throw CLIError(message: "\(e)", code: e.exitCode)
            }
            let loop = LiveLoop.watching(followed, book: b, feed: priceFeed)
            let watcher = Watcher(
                loop: loop, alerts: alertCommand.map { AlertRunner(command: $0, perMinute: alertRate) },
                summaryEvery: summaryEvery.value, duration: duration?.value,
                near: Watcher.parseNear(near) ?? Watcher.defaultNear, metrics: server, publisher: publisher)
            await watcher.run()
            await followed?.store.close()
        }
    }
}
