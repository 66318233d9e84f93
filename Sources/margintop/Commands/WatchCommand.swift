import ArgumentParser
import Foundation
import MarginCore
import MarginFeeds
import MarginLive
import MarginStore

struct WatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Watch a book live without a screen: one NDJSON event per line on stdout.",
        discussion: """
            Events: {"type":"state",...} when an account changes state (after hysteresis), \
            {"type":"feed",...} when the feed's status changes, {"type":"summary",...} every \
            --summary-every seconds and at the end. A finite feed (replay without loop, ndjson file) \
            ends the watch when it finishes. --alert-command runs a command (through /bin/sh) per \
            worsening state change with the event JSON on stdin, deduplicated per account and state \
            for a minute and limited to --alert-rate a minute; a failing command is reported on \
            stderr and never stops the loop.
            """
    )

    @Flag(name: .long, help: "Run without a screen (the only mode of this command; the dashboard is `margintop`).")
    var headless = false

    @Option(name: .long, help: "A margintop.book/1 file to watch (instead of a store).")
    var book: String?

    @Option(name: .long, help: ArgumentHelp("Account store to watch: sqlite:PATH or postgres://USER@HOST:PORT/DB (default: the embedded SQLite store). Accounts changed in the store are picked up live.", valueName: "URL"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("Price feed: sim[:seed=7,rate=500], replay:FILE[,speed=N|max][,loop], ndjson:-|FILE, binance:URL, deribit:URL, coinbase:URL.", valueName: "SPEC"))
    var feed: String = "sim"

    @Option(name: .customLong("alert-command"), help: "A shell command run per alert with the event JSON on stdin.")
    var alertCommand: String?

    @Option(name: .customLong("alert-rate"), help: "Most alert commands a minute.")
    var alertRate: Int = 30

    @Option(name: .customLong("summary-every"), help: "Seconds between summary events.")
    var summaryEvery: Double = 5

    @Option(name: .long, help: "Stop after this many seconds (default: run until the feed ends or a signal).")
    var duration: Double?

    func validate() throws {
        guard headless else { throw ValidationError("watch needs --headless (the interactive view is `margintop` itself)") }
        guard book == nil || store == nil else { throw ValidationError("give either --book FILE or --store URL, not both") }
        guard summaryEvery > 0 else { throw ValidationError("--summary-every must be > 0") }
    }

    func run() async throws {
        try await reportingErrors {
            let b: Book
            // The store watched and its changes, subscribed before loading so none falls in between.
            var followed: (store: any AccountStore, changes: AsyncStream<StoreChange>)?
            if let book {
                b = try loadBook(book)
            } else {
                let opened: any AccountStore
                do { opened = try await openStore(store) } catch { throw CLIError.runtime("\(error)") }
                let changes = await opened.changes()
                do {
                    b = try await opened.loadBook()
                } catch {
                    await opened.close()
                    throw CLIError.runtime("\(error)")
                }
                followed = (opened, changes)
            }
            let accountStore = followed?.store
            let priceFeed: any PriceFeed
            do {
                priceFeed = try FeedFactory.make(spec: feed, universe: SimUniverse(book: b))
            } catch let e as FeedError {
                await accountStore?.close()
                // A bad spec is usage, an unreadable file a runtime failure, bad file content invalid data.
                switch e.code {
                case .badSpec: throw ValidationError("--feed \(feed): \(e.message)")
                case .badFile: throw CLIError.runtime("\(e)")
                default: throw CLIError.invalidData("\(e)")
                }
            }
            let watcher = Watcher(book: b, feed: priceFeed, alerts: alertCommand.map { AlertRunner(command: $0, perMinute: alertRate) },
                                  summaryEvery: summaryEvery, duration: duration)
            // Store changes (other processes importing, trading systems writing) reach the live book.
            let storeTasks = followed.map { f in [
                StoreFollower.start(store: f.store, changes: f.changes, book: b, engine: watcher.engine) { changes in
                    for c in changes { await watcher.report(c) }
                },
                Task {
                    for await status in await f.store.statusUpdates() {
                        await watcher.engine.setStoreStatus("\(status)")
                        watcher.out.emit(.object([("type", .string("store")), ("time", .string(Timestamp.format(wallClock()))),
                                                  ("status", .string("\(status)"))]))
                    }
                },
            ] } ?? []
            if accountStore == nil { await watcher.engine.setStoreStatus("none") }
            try await watcher.run()
            for t in storeTasks { t.cancel() }
            await accountStore?.close()
        }
    }
}

/// The headless loop: feed → live engine → NDJSON events.
struct Watcher {
    let engine: LiveEngine
    let feed: any PriceFeed
    let alerts: AlertRunner?
    let summaryEvery: Double
    let duration: Double?
    let out = EventWriter()

    init(book: Book, feed: any PriceFeed, alerts: AlertRunner?, summaryEvery: Double, duration: Double?) {
        engine = LiveEngine(book: book, now: wallClock(), clock: wallClock)
        self.feed = feed
        self.alerts = alerts
        self.summaryEvery = summaryEvery
        self.duration = duration
    }

    func run() async throws {
        let start = wallClock()
        let engine = self.engine
        let out = self.out
        let feed = self.feed
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for await tick in feed.ticks() {
                    await engine.submit([PriceUpdate(tick)], receivedAt: tick.receiveTime.timeIntervalSince1970)
                }
            }
            group.addTask {
                for await status in feed.statuses() {
                    await engine.setFeedStatus(status.description, isLive: status.isLive)
                    out.emit(.object([("type", .string("feed")), ("time", .string(Timestamp.format(wallClock()))),
                                      ("status", .string(status.description))]))
                    if status == .finished { break }
                }
            }
            group.addTask {
                var lastSummary = start
                while !Task.isCancelled {
                    try? await Task.sleep(for: .milliseconds(20))
                    let now = wallClock()
                    let changes = await engine.step(now: now)
                    for c in changes { await self.report(c) }
                    if now - lastSummary >= summaryEvery {
                        await self.summary(now: now)
                        lastSummary = now
                    }
                    let finished = await feed.status() == .finished
                    if finished, await engine.backlog == 0 { break }
                    if let duration, now - start >= duration { break }
                }
                // Apply what is left, then a last summary.
                let now = wallClock()
                for c in await engine.step(now: now) { await self.report(c) }
                await self.summary(now: now)
                await feed.stop()
            }
            await group.next()
            await group.next()
            await group.next()
        }
        await alerts?.drain()
    }

    func report(_ c: StateChange) async {
        var members: [(String, JSONValue)] = [
            ("type", .string("state")), ("time", .string(Timestamp.format(c.time))), ("account", .string(c.accountId)),
            ("from", .string(c.from.name)), ("to", .string(c.to.name)),
            ("marginRatio", c.marginRatio.map { .number($0) } ?? .null),
        ]
        if let cause = c.cause {
            members.append(("cause", .object([("symbol", .string(cause.symbol)), ("kind", .string(cause.kind.rawValue)),
                                               ("price", .number(cause.value)), ("ts", .string(Timestamp.format(cause.time)))])))
        }
        let event = JSONValue.object(members)
        out.emit(event)
        if c.to > c.from { await alerts?.alert(key: "\(c.accountId)/\(c.to.name)", event: event, now: c.time) }
    }

    func summary(now: Double) async {
        let s = await engine.snapshot(now: now)
        var members: [(String, JSONValue)] = [("type", .string("summary")), ("time", .string(Timestamp.format(now))),
                                              ("accounts", .integer(s.accounts.count))]
        for st in AccountState.allCases { members.append((st.name, .integer(s.counts[st] ?? 0))) }
        members += [
            ("shortfall", .number(s.shortfall)), ("insuranceFund", .number(s.insuranceFund)),
            ("socializedLoss", .number(s.socializedLoss)), ("feed", .string(s.health.feedStatus)), ("store", .string(s.health.storeStatus)),
            ("ticksPerSecond", .number(s.health.ticksPerSecond)), ("recomputeP50Ms", .number(s.health.recomputeP50Ms)),
            ("recomputeP99Ms", .number(s.health.recomputeP99Ms)), ("oldestPriceAgeSeconds", .number(s.health.oldestPriceAge)),
            ("staleAccounts", .integer(s.accounts.stale.filter { $0 }.count)),
            ("rejectedUpdates", .integer(s.health.rejectedUpdates)),
        ]
        out.emit(.object(members))
    }
}

/// Writes one compact JSON object per line to stdout, flushed per line.
final class EventWriter: Sendable {
    func emit(_ event: JSONValue) {
        do {
            try FileHandle.standardOutput.write(contentsOf: Data((JSONWriter(pretty: false).write(event) + "\n").utf8))
        } catch {
            // The reader went away (`watch | head`): nothing left to report to.
            exit(0)
        }
    }
}

/// Runs the alert command per alert: deduplicated per key for a minute, rate-limited,
/// never blocking the loop, failures reported on stderr.
actor AlertRunner {
    let command: String
    let perMinute: Int
    private var lastByKey: [String: Double] = [:]
    private var recent: [Double] = []
    private var running: [Process] = []
    private(set) var suppressed = 0

    init(command: String, perMinute: Int) {
        self.command = command
        self.perMinute = perMinute
    }

    func alert(key: String, event: JSONValue, now: Double) {
        if let last = lastByKey[key], now - last < 60 { suppressed += 1; return }
        recent.removeAll { now - $0 >= 60 }
        guard recent.count < perMinute else {
            suppressed += 1
            FileHandle.standardError.write(Data("margintop: alert rate limit (\(perMinute)/min) reached; alert for \(key) dropped\n".utf8))
            return
        }
        lastByKey[key] = now
        recent.append(now)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        let input = Pipe()
        p.standardInput = input
        p.standardOutput = FileHandle.standardError
        let cmd = command
        p.terminationHandler = { proc in
            if proc.terminationStatus != 0 {
                FileHandle.standardError.write(Data("margintop: alert command `\(cmd)` exited \(proc.terminationStatus)\n".utf8))
            }
        }
        do {
            try p.run()
            // A command that exits without reading its input must not stop the loop (EPIPE, SIGPIPE ignored).
            try? input.fileHandleForWriting.write(contentsOf: Data((JSONWriter(pretty: false).write(event) + "\n").utf8))
            try? input.fileHandleForWriting.close()
            running.append(p)
        } catch {
            FileHandle.standardError.write(Data("margintop: alert command `\(command)` could not start: \(error)\n".utf8))
        }
        running.removeAll { !$0.isRunning }
    }

    /// Waits (up to 5 s) for alert commands still running.
    func drain() async {
        for _ in 0..<250 where running.contains(where: \.isRunning) { try? await Task.sleep(for: .milliseconds(20)) }
    }
}
