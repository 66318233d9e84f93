import ArgumentParser
import Foundation
import MarginCore
import MarginFeeds

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

    @Flag(name: .long, help: "Feed mode: decode Binance all-symbols mark-price frames (600 symbols, ~100 KB each) through the feed core; prints ticks/s.")
    var decode = false

    @Option(name: .long, help: "Live mode: seconds to run.")
    var seconds: Double = 10

    @Option(name: .long, help: "Live mode: simulated ticks per second.")
    var rate: Int = 500

    func validate() throws {
        guard accounts > 0 else { throw ValidationError("--accounts must be > 0") }
        guard runs > 0 else { throw ValidationError("--runs must be > 0") }
    }

    func run() async throws {
        if decode {
            try await reportingErrors {
                let frames = 500
                let tps = measureBinanceDecode(symbols: 600, frames: frames)
                let out = json
                    ? JSONWriter(pretty: false).write(.object([("mode", .string("decode")), ("adapter", .string("binance")),
                                                               ("symbolsPerFrame", .integer(600)), ("frames", .integer(frames)),
                                                               ("ticksPerSecond", .number(tps))])) + "\n"
                    : String(format: "binance all-symbols frames (600 symbols): %.0f ticks/s decoded, mapped and delivered\n", tps)
                try writeOutput(out, to: nil)
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
                genMs = ms(clock.now - t0)
            }
            if model == .es, (b.history?.dates.isEmpty ?? true) {
                throw CLIError.invalidData("--model es needs a book with history")
            }
            let t1 = clock.now
            let mb = MarginBook(book: b, modelOverride: model)
            let compileMs = ms(clock.now - t1)
            let state = PriceState(book: b)
            let quotes = Quotes(market: mb.market, portfolio: mb.usesPortfolio, es: mb.usesES)
            let results = BookResults(unitCount: mb.unitCount)
            var quoteTimes: [Double] = []
            var computeTimes: [Double] = []
            var computeCPU: [Double] = []
            var rankTimes: [Double] = []
            for _ in 0..<runs {
                let q0 = clock.now
                quotes.update(state)
                quoteTimes.append(ms(clock.now - q0))
                let c0 = clock.now
                let cpu0 = threadCPUms()
                mb.computeAll(quotes, into: results)
                computeCPU.append(threadCPUms() - cpu0)
                computeTimes.append(ms(clock.now - c0))
            }
            for _ in 0..<min(runs, 3) {
                let r0 = clock.now
                _ = results.priorityOrder(accountCount: mb.accountCount, ids: mb.accountIds)
                rankTimes.append(ms(clock.now - r0))
            }
            let recompute = median(computeTimes)
            let pps = Double(mb.positionCount) / (recompute / 1000)
            let (counts, _) = results.summary(accountCount: mb.accountCount)
            let modelName = model?.rawValue ?? "mixed"
            if json {
                let obj: JSONValue = .object([
                    ("model", .string(modelName)),
                    ("accounts", .integer(mb.accountCount)),
                    ("units", .integer(mb.unitCount)),
                    ("positions", .integer(mb.positionCount)),
                    ("instruments", .integer(mb.market.instrumentCount)),
                    ("runs", .integer(runs)),
                    ("fullRecomputeMs", .number(recompute)),
                    ("fullRecomputeMinMs", .number(computeTimes.min() ?? 0)),
                    ("fullRecomputeRunsMs", .array(computeTimes.map { .number(($0 * 100).rounded() / 100) })),
                    ("fullRecomputeCpuMs", .number(median(computeCPU))),
                    ("positionsPerCpuSecond", .number(Double(mb.positionCount) / (median(computeCPU) / 1000))),
                    ("positionsPerSecond", .number(pps)),
                    ("quotesMs", .number(median(quoteTimes))),
                    ("rankMs", .number(median(rankTimes))),
                    ("compileMs", .number(compileMs)),
                    ("generateMs", .number(genMs)),
                ])
                try writeOutput(JSONWriter(pretty: false).write(obj) + "\n", to: nil)
            } else {
                var s = "model \(modelName): \(mb.accountCount) accounts (\(mb.unitCount) units), \(mb.positionCount) positions, "
                s += "\(mb.market.instrumentCount) instruments\n"
                s += String(format: "full recompute  median %.2f ms  min %.2f ms  (%.1f M positions/s, %d runs)\n",
                            recompute, computeTimes.min() ?? 0, pps / 1e6, runs)
                s += String(format: "  thread CPU    median %.2f ms  (%.1f M positions per CPU second; wall time includes waiting for a core)\n",
                            median(computeCPU), Double(mb.positionCount) / (median(computeCPU) / 1000) / 1e6)
                s += String(format: "quotes update   median %.3f ms (per-instrument values and risk arrays)\n", median(quoteTimes))
                s += String(format: "priority rank   median %.2f ms\n", median(rankTimes))
                s += String(format: "compile %.0f ms, generate %.0f ms\n", compileMs, genMs)
                s += "states: " + AccountState.allCases.map { "\($0.name) \(counts[$0] ?? 0)" }.joined(separator: ", ") + "\n"
                try writeOutput(s, to: nil)
            }
        }
    }

    func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// CPU time of the calling thread, so a loaded machine does not inflate the figure.
    func threadCPUms() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }

    func median(_ xs: [Double]) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
    }
}
