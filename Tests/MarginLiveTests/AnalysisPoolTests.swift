import Foundation
import Synchronization
import Testing

@testable import MarginLive

/// The background analysis's own threads: every iteration of a loop runs once, whatever the
/// threads; a loop started inside another (or beside it) runs on its caller instead of waiting;
/// the helpers run at the pass's nice value, below the loop's threads.
@Suite struct AnalysisPoolTests {
    final class Counts: @unchecked Sendable {
        let hits: UnsafeMutablePointer<Atomic<Int>>
        let n: Int
        init(_ n: Int) {
            self.n = n
            hits = .allocate(capacity: n)
            for k in 0..<n { (hits + k).initialize(to: Atomic(0)) }
        }
        deinit { hits.deallocate() }
        func hit(_ k: Int) { hits[k].wrappingAdd(1, ordering: .relaxed) }
        var all: [Int] { (0..<n).map { hits[$0].load(ordering: .relaxed) } }
    }

    @Test func everyIterationRunsOnceOnEveryLoop() {
        let pool = AnalysisPool(helpers: 3, nice: 0)
        for n in [0, 1, 2, 3, 7, 1000] {
            for _ in 0..<20 {
                let c = Counts(n)
                pool.perform(iterations: n) { c.hit($0) }
                #expect(c.all == Array(repeating: 1, count: n), "\(n) iterations")
            }
        }
    }

    @Test func aLoopInsideALoopRunsOnItsCaller() {
        let pool = AnalysisPool(helpers: 1, nice: 0)
        let c = Counts(4 * 50)
        pool.perform(iterations: 4) { outer in
            pool.perform(iterations: 50) { c.hit(outer * 50 + $0) }
        }
        #expect(c.all == Array(repeating: 1, count: 200))
    }

    @Test func twoCallersAtOnceBothFinish() async {
        let pool = AnalysisPool(helpers: 1, nice: 0)
        let a = Counts(5000)
        let b = Counts(5000)
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                for _ in 0..<20 { pool.perform(iterations: 250) { k in for j in 0..<20 { a.hit(k * 20 + j) } } }
            }
            group.addTask {
                for _ in 0..<20 { pool.perform(iterations: 250) { k in for j in 0..<20 { b.hit(k * 20 + j) } } }
            }
        }
        #expect(a.all == Array(repeating: 20, count: 5000))
        #expect(b.all == Array(repeating: 20, count: 5000))
    }

    static func comms() -> [String] {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        return tasks.compactMap { try? String(contentsOfFile: "/proc/self/task/\($0)/comm", encoding: .utf8) }
    }

    /// Linux keeps a nice value per thread (`/proc/self/task/TID/stat`, field 19).
    @Test func helpersRunAtTheNiceValue() throws {
        let pool = AnalysisPool(helpers: 2, nice: 7)
        // Run a loop so both helpers have started (and set their priority).
        let c = Counts(64)
        for _ in 0..<50 {
            pool.perform(iterations: 64) { k in
                c.hit(k)
                usleep(100)
            }
        }
        var nices: [Int] = []
        let tasks = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")
        for tid in tasks {
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(tid)/comm", encoding: .utf8),
                comm.hasPrefix("mt analysis"),
                let stat = try? String(contentsOfFile: "/proc/self/task/\(tid)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // Fields after the name: state is field 3, nice field 19.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            if let nice = Int(fields[16]) { nices.append(nice) }
        }
        #expect(nices.filter { $0 == 7 }.count >= 2, "nice values of analysis threads: \(nices) \(Self.comms())")
        withExtendedLifetime(pool) {}
    }
}
