import ArgumentParser
import Foundation
import MarginCore
import MarginFeeds
import MarginRuntime
import StoreCommands

struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench",
        abstract: "Time a full recompute of a book (the computation alone, not parsing), single-threaded.",
        discussion: """
            Builds the book (a demo book of --accounts, or --book FILE), compiles it, then times \
            the per-instrument quotes and the full recompute of every account --runs times and \
            reports medians. Build with `swift build -c release` for meaningful figures.
            """
    )

    @Option(name: .long, help: "A book file to time (instead of a demo book).")
    var book: String?

    @Option(name: .long, help: "Accounts of the generated demo book.")
    var accounts: Int = 100_000

    @Option(name: .long, help: "Seed of the generated demo book.")
    var seed: UInt64 = 1

    @Option(name: .long, help: ArgumentHelp("Override every account's model.", valueName: "standard|portfolio|es"))
    var model: MarginModel?

    @Option(name: .long, help: "Timed runs (the median is reported).")
    var runs: Int = 7

    @Flag(name: .long, help: "Print one JSON object instead of text.")
    var json = false

    @Flag(name: .long, help: "Live mode: the simulated feed into the live engine for --seconds at --rate ticks/s.")
    var live = false

    @Flag(
        name: .long,
        help:
            "Feed mode: decode Binance all-symbols mark-price frames (600 symbols, ~100 KB each) through the feed core; prints ticks/s. With --book FILE: the strict book decode of FILE, --runs times (MB/s, accounts/s)."
    )
    var decode = false

    @Flag(
        name: .long, help: "Analysis mode: distance to liquidation and liquidation prices of every account, all cores.")
    var analysis = false

    @Option(name: .long, help: "Live mode: seconds to run.")
    var seconds = DecimalArgument(10)

    @Option(name: .long, help: "Live mode: simulated ticks per second.")
    var rate: Int = 500
    @Option(help: "Live mode: rest after each step, times its own.") var stepRest = DecimalArgument(LiveBench.stepRest)

    func validate() throws {
        guard accounts > 0 else { throw ValidationError("--accounts must be > 0") }
        guard runs > 0 else { throw ValidationError("--runs must be > 0") }
        guard (0...100).contains(stepRest.value) else { throw ValidationError("--step-rest must be in 0...100") }
    }

    func run() async throws {
        if decode {
            try await reportingErrors {
                guard let path = book else { return try writeOutput(AnalysisBench.decodeReport(json: json), to: nil) }
                guard let f = try BookDecodeBench.run(path: path, runs: runs) else {
                    _ = try readFile(path)
                    throw CLIError.runtime("\(path): cannot be read")
                }
                try writeOutput(json ? JSONWriter(pretty: false).write(f.json()) + "\n" : f.text(file: path), to: nil)
            }
            return
        }
        if live {
            try await reportingErrors { try await runLive() }
            return
        }
        try await reportingErrors {
            let clock = ContinuousClock()
            var genMs = 0.0
            let b: Book
            if let path = book {
                b = try loadBook(path)
            } else {
                let t0 = clock.now
                b = DemoBook.generate(accounts: accounts, seed: seed)
                genMs = KernelBench.ms(clock.now - t0)
            }
            if model == .es, b.history?.dates.isEmpty ?? true {
                throw CLIError.invalidData("--model es needs a book with history")
            }
            if analysis {
                let f = AnalysisBench.run(book: b, model: model)
                return try writeOutput(json ? JSONWriter(pretty: false).write(f.json()) + "\n" : f.text(), to: nil)
            }
            let f = KernelBench.run(book: b, model: model, runs: runs)
            let name = model?.rawValue ?? "mixed"
            try writeOutput(
                json
                    ? JSONWriter(pretty: false).write(f.json(model: name, generateMs: genMs)) + "\n"
                    : f.text(model: name, generateMs: genMs), to: nil)
        }
    }
}
