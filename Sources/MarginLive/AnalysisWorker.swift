import Dispatch
import MarginCore
import Synchronization

/// Runs one background analysis pass at a time on a queue of its own (not the Swift
/// concurrency pool, which the loop's tasks need): the pass records into its copy of the
/// table, and the engine takes the finished table on a later step.
final class AnalysisWorker: Sendable {
    /// A finished pass: the table with its results recorded.
    struct Finished: Sendable {
        var table: AnalysisTable
        var accounts: [Int]
        /// Engine time the pass was launched at (the time of its prices).
        var launchedAt: Double
    }

    private struct State {
        var running = false
        var finished: Finished?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let queue = DispatchQueue(label: "margintop.live-analysis", qos: .utility)
    private let state = Mutex(State())

    /// Whether no pass is running, and the finished one (taken: handed over once).
    func poll() -> (idle: Bool, finished: Finished?) {
        state.withLock { s in
            defer { s.finished = nil }
            return (!s.running, s.finished)
        }
    }

    /// Starts a pass over `accounts` of `table` at `prices` (taken at `time`); only when
    /// ``poll()`` says it is idle.
    func start(
        _ table: AnalysisTable, accounts: [Int], analyzer: BatchAnalyzer, prices: PriceState, time: Double,
        liquidationPrices: Bool, threads: Int
    ) {
        state.withLock { $0.running = true }
        queue.async { [self] in
            var t = table
            let results = analyzer.analyze(
                accounts, at: prices, liquidationPrices: liquidationPrices, threads: threads)
            t.record(accounts, results, prices: prices, time: time)
            let done = Finished(table: t, accounts: accounts, launchedAt: time)
            let waiters = state.withLock { s in
                s.running = false
                s.finished = done
                defer { s.waiters = [] }
                return s.waiters
            }
            for w in waiters { w.resume() }
        }
    }

    /// Returns once no pass is running (for tests and the end of a run).
    func waitUntilIdle() async {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let resumeNow = state.withLock { s in
                guard s.running else { return true }
                s.waiters.append(c)
                return false
            }
            if resumeNow { c.resume() }
        }
    }
}
