import Foundation
import MarginCore
import Synchronization

#if canImport(Glibc)
    import CGlibcExtras
    import Glibc
#endif

/// Runs one background analysis pass at a time on a thread of its own (not the Swift
/// concurrency pool, which the loop's tasks need), at a lower priority than the loop's threads
/// where the system allows it: the pass records into its copy of the table, and the engine
/// takes the finished table on a later step.
final class AnalysisWorker: Sendable {
    /// A finished pass: the table with its results recorded.
    struct Finished: Sendable {
        var table: AnalysisTable
        var accounts: [Int]
        /// Seconds the pass took on its thread (not counting the wait for a step to take it).
        var seconds: Double
    }

    private struct State {
        var running = false
        var finished: Finished?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    private let state = Mutex(State())
    /// The pass thread's nice value (Linux keeps one per thread): the loop's steps and
    /// snapshots come first when the cores are busy.
    private let nice: Int32
    /// The pass's helper threads (`threads - 1`, niced alike).
    private let pool: AnalysisPool

    init(nice: Int32, threads: Int) {
        self.nice = nice
        pool = AnalysisPool(helpers: threads - 1, nice: nice)
    }

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
        _ table: AnalysisTable, plan: AnalysisPlan, analyzer: BatchAnalyzer, prices: PriceState, time: Double,
        threads: Int
    ) {
        state.withLock { $0.running = true }
        let thread = Thread { [self] in
            #if canImport(Glibc)
                // What top -H and perf show; Foundation's `Thread.name` does not reach it here.
                _ = margintop_name_this_thread("mt analysis")
                if nice > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
            #endif
            let clock = ContinuousClock()
            let start = clock.now
            var t = table
            t.analyse(plan, analyzer: analyzer, prices: prices, time: time, threads: threads, runner: pool)
            let done = Finished(table: t, accounts: plan.all, seconds: (clock.now - start).seconds)
            let waiters = state.withLock { s in
                s.running = false
                s.finished = done
                defer { s.waiters = [] }
                return s.waiters
            }
            for w in waiters { w.resume() }
        }
        thread.stackSize = 8 << 20
        thread.start()
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
