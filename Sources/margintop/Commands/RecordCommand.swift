import ArgumentParser
import Foundation
import MarginCore
import MarginFeeds
import MarginOutput
import MarginRuntime
import StoreCommands

struct RecordCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "record",
        abstract: "Record a feed to NDJSON ticks (the replay: format).",
        discussion: """
            Without a symbol map (map=FILE on websocket specs) the exchange's own symbols are written \
            (BTCUSDT, BTC-PERPETUAL, BTC-USD). sim records the demo universe, or --book's assets and instruments.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The feed to record.", valueName: "SPEC"))
    var feed: String

    @Option(name: .long, help: "The NDJSON file to write ('-' for stdout).")
    var out: String

    @Option(name: .long, help: "Seconds to record (default: until the feed ends or a signal).")
    var duration: DecimalArgument?

    @Option(name: .long, help: "A book whose assets and instruments a sim feed moves.")
    var book: String?

    func validate() throws {
        if let duration, duration.value <= 0 { throw ValidationError("--duration must be > 0") }
    }

    func run() async throws {
        try await reportingErrors {
            let universe = try book.map { SimUniverse(book: try loadBook($0)) } ?? .demo
            let f: any PriceFeed
            do {
                f = try FeedFactory.make(spec: feed, universe: universe)
            } catch let e as FeedError {
                if e.code == .badSpec { throw ValidationError("--feed \(feed): \(e.message)") }
                throw CLIError.runtime("\(e)")
            }
            let limit = duration.map { Duration.milliseconds(Int64($0.value * 1000)) }
            let summary: FeedRecorder.Summary
            // A signal stops the feed: what it delivered is written and flushed, then the line below.
            let trap = StopSignals.trap { _ in await f.stop() }
            defer { trap.release() }
            do {
                summary =
                    out == "-"
                    ? try await FeedRecorder.record(f, to: .standardOutput, duration: limit)
                    : try await FeedRecorder.record(f, toPath: out, duration: limit)
            } catch let e as OutputError {
                throw e  // names the file; a closed stdout ends quietly
            } catch {
                throw CLIError.runtime("\(error)")
            }
            OutputSink.standardError.writeIgnoringErrors(
                "margintop: recorded \(summary.ticks) ticks to \(out)\(summary.rejectionNote)\(trap.signal.map { " (stopped by \(StopSignals.name($0)))" } ?? (summary.feedFinished ? " (feed finished)" : ""))\n"
            )
        }
    }
}
