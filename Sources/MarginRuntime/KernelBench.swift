import Foundation
import MarginCore

/// `bench`: a full recompute of a compiled book, timed `runs` times on one thread
/// (the computation alone, not parsing), with the quotes update and the priority rank.
public enum KernelBench {
    /// What the runs measured, milliseconds.
    public struct Figures: Sendable {
        public var accounts = 0, units = 0, positions = 0, instruments = 0
        public var computeMs: [Double] = []
        public var computeCPUMs: [Double] = []
        public var quotesMs: [Double] = []
        public var rankMs: [Double] = []
        public var compileMs = 0.0
        public var counts: [AccountState: Int] = [:]

        public var recomputeMs: Double { median(computeMs) }
        public var positionsPerSecond: Double { Double(positions) / (recomputeMs / 1000) }
        public var positionsPerCPUSecond: Double { Double(positions) / (median(computeCPUMs) / 1000) }

        /// The `bench --json` object.
        public func json(model: String, generateMs: Double) -> JSONValue {
            .object([
                ("model", .string(model)), ("accounts", .integer(accounts)), ("units", .integer(units)),
                ("positions", .integer(positions)), ("instruments", .integer(instruments)),
                ("runs", .integer(computeMs.count)),
                ("fullRecomputeMs", .number(recomputeMs)), ("fullRecomputeMinMs", .number(computeMs.min() ?? 0)),
                ("fullRecomputeRunsMs", .array(computeMs.map { .number(($0 * 100).rounded() / 100) })),
                ("fullRecomputeCpuMs", .number(median(computeCPUMs))),
                ("positionsPerCpuSecond", .number(positionsPerCPUSecond)),
                ("positionsPerSecond", .number(positionsPerSecond)),
                ("quotesMs", .number(median(quotesMs))), ("rankMs", .number(median(rankMs))),
                ("compileMs", .number(compileMs)), ("generateMs", .number(generateMs)),
            ])
        }

        /// The `bench` text report.
        public func text(model: String, generateMs: Double) -> String {
            var s =
                "model \(model): \(accounts) accounts (\(units) units), \(positions) positions, \(instruments) instruments\n"
            s += String(
                format: "full recompute  median %.2f ms  min %.2f ms  (%.1f M positions/s, %d runs)\n",
                recomputeMs, computeMs.min() ?? 0, positionsPerSecond / 1e6, computeMs.count)
            s += String(
                format:
                    "  thread CPU    median %.2f ms  (%.1f M positions per CPU second; wall time includes waiting for a core)\n",
                median(computeCPUMs), positionsPerCPUSecond / 1e6)
            s += String(
                format: "quotes update   median %.3f ms (per-instrument values and risk arrays)\n", median(quotesMs))
            s += String(format: "priority rank   median %.2f ms\n", median(rankMs))
            s += String(format: "compile %.0f ms, generate %.0f ms\n", compileMs, generateMs)
            return s + "states: "
                + AccountState.allCases.map { "\($0.name) \(counts[$0] ?? 0)" }.joined(separator: ", ") + "\n"
        }
    }

    public static func run(book: Book, model: MarginModel?, runs: Int) -> Figures {
        let clock = ContinuousClock()
        var f = Figures()
        let t1 = clock.now
        let mb = MarginBook(book: book, modelOverride: model)
        f.compileMs = ms(clock.now - t1)
        let state = PriceState(book: book)
        let quotes = Quotes(market: mb.market, portfolio: mb.usesPortfolio, es: mb.usesES)
        let results = BookResults(unitCount: mb.unitCount)
        for _ in 0..<runs {
            let q0 = clock.now
            quotes.update(state)
            f.quotesMs.append(ms(clock.now - q0))
            let c0 = clock.now
            let cpu0 = threadCPUms()
            mb.computeAll(quotes, into: results)
            f.computeCPUMs.append(threadCPUms() - cpu0)
            f.computeMs.append(ms(clock.now - c0))
        }
        for _ in 0..<min(runs, 3) {
            let r0 = clock.now
            _ = results.priorityOrder(accountCount: mb.accountCount, ids: mb.accountIds)
            f.rankMs.append(ms(clock.now - r0))
        }
        f.accounts = mb.accountCount
        f.units = mb.unitCount
        f.positions = mb.positionCount
        f.instruments = mb.market.instrumentCount
        f.counts = results.summary(accountCount: mb.accountCount).0
        return f
    }

    /// Milliseconds in a duration.
    public static func ms(_ d: Duration) -> Double {
        Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
    }

    /// CPU time of the calling thread, so a loaded machine does not inflate the figure.
    static func threadCPUms() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) * 1000 + Double(ts.tv_nsec) / 1e6
    }
}

/// The median (mean of the middle two for an even count); 0 when empty.
public func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    guard !s.isEmpty else { return 0 }
    return s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
}

/// Peak resident set size of this process (VmHWM), MiB.
public func peakRSSMiB() -> Double {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
        let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
        let kb = Double(line.split(separator: " ").dropFirst().first ?? "")
    else { return 0 }
    return kb / 1024
}
