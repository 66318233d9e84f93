import Foundation
import MarginCore
import Synchronization

#if canImport(Glibc)
    import CGlibcExtras
    import Glibc
#endif

/// The background analysis's threads: `helpers` threads of their own at nice `nice`, which with
/// the pass's thread (niced alike, see ``AnalysisWorker``) run a pass's parallel loops. On
/// Dispatch's pool the helpers would run at the loop's priority (Linux keeps a nice value per
/// thread) and take the core the loop's step needs; at nice 10 they take what the loop leaves.
///
/// One loop at a time; a loop started on a helper, or while another runs, runs on its caller.
final class AnalysisPool: ParallelRunner {
    /// What the helper threads share with the caller of ``perform(iterations:_:)``.
    private final class Core: @unchecked Sendable {
        /// The loop being run; written before the helpers are woken, cleared after they are done
        /// (the semaphores order the accesses).
        var body: (@Sendable (Int) -> Void)?
        var iterations = 0
        let next = Atomic<Int>(0)
        let stopping = Atomic<Bool>(false)
        let wake = DispatchSemaphore(value: 0)
        let done = DispatchSemaphore(value: 0)

        /// Takes iterations until none is left.
        func work() {
            guard let body else { return }
            while true {
                let k = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard k < iterations else { return }
                body(k)
            }
        }
    }

    let helpers: Int
    private let core = Core()
    private let busy = Mutex(false)

    init(helpers: Int, nice: Int32) {
        self.helpers = max(0, helpers)
        let core = self.core
        for n in 0..<self.helpers {
            let thread = Thread {
                #if canImport(Glibc)
                    // What top -H and perf show; Foundation's `Thread.name` does not reach it here.
                    _ = margintop_name_this_thread("mt analysis \(n + 1)")
                    if nice > 0 { _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, nice) }
                #endif
                while true {
                    core.wake.wait()
                    if core.stopping.load(ordering: .acquiring) { return }
                    core.work()
                    core.done.signal()
                }
            }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }

    deinit {
        core.stopping.store(true, ordering: .releasing)
        for _ in 0..<helpers { core.wake.signal() }
    }

    func perform(iterations: Int, _ body: @Sendable (Int) -> Void) {
        let claimed =
            iterations > 1 && helpers > 0
            && busy.withLock { b in
                defer { b = true }
                return !b
            }
        guard claimed else {
            for k in 0..<iterations { body(k) }
            return
        }
        defer { busy.withLock { $0 = false } }
        withoutActuallyEscaping(body) { body in
            core.body = body
            core.iterations = iterations
            core.next.store(0, ordering: .relaxed)
            let woken = min(helpers, iterations - 1)
            for _ in 0..<woken { core.wake.signal() }
            core.work()
            for _ in 0..<woken { core.done.wait() }
            core.body = nil
        }
    }
}
