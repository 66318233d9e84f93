import Foundation
import MarginCore
import StoreTestSupport
import Testing

@testable import MarginStore

/// A child writing reviews is killed with SIGKILL at random moments; nothing it
/// reported may be lost, nothing may be half-written.
@Suite("Crash safety", .serialized, .timeLimit(.minutes(2)))
struct CrashTests {
    @Test("SIGKILL mid-write loses no confirmed review and leaves no half-written one", arguments: Backend.allCases)
    func killedWriter(_ backend: Backend) async throws {
        try await withFixture(backend) { f in
            try await f.store.importBook(smallBook(40), operator: "tester")
            let exe = ChildProcess.storeExecutable()
            var opened = Set<Int64>()
            var acked = Set<Int64>()
            var resolved = Set<Int64>()
            var rng = SystemRandomNumberGenerator()
            for round in 0..<4 {
                let outPath = f.dir + "/loop\(round).out"
                let pid = try Spawn.start(
                    exe, ["review-loop", "--store", f.urlString, "--operator-name", "loop\(round)"],
                    stdout: outPath)
                // Once it is writing, let it go on for a random while, then kill it without warning.
                try await waitForText("opened", in: outPath, seconds: 20)
                let wait = Int.random(in: 50...900, using: &rng)
                try await Task.sleep(for: .milliseconds(wait))
                kill(pid, SIGKILL)
                _ = try Spawn.wait(pid, timeout: 10, command: "review-loop")
                let text = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
                for line in text.split(separator: "\n") {
                    let parts = line.split(separator: " ")
                    guard parts.count == 2, let id = Int64(parts[1]) else { continue }
                    switch parts[0] {
                    case "opened": opened.insert(id)
                    case "acked": acked.insert(id)
                    case "resolved": resolved.insert(id)
                    default: break
                    }
                }
            }
            #expect(opened.count >= 4, "the child confirmed too few reviews to mean anything")
            print("[crash] \(backend.rawValue): \(opened.count) opened, \(resolved.count) resolved before kills")
            let all = try await f.store.reviews(status: nil)
            let byId = Dictionary(uniqueKeysWithValues: all.map { ($0.id, $0) })
            for id in opened { #expect(byId[id] != nil, "confirmed review \(id) lost") }
            for id in acked { #expect(byId[id].map { $0.version >= 2 } == true, "ack of \(id) lost") }
            for id in resolved { #expect(byId[id]?.status == .dismissed, "resolution of \(id) lost") }
            // Whole or absent: every stored review has one transition per version, in order,
            // with metrics, and one audit entry per transition.
            let audit = try await f.store.auditLog().filter { $0.action.hasPrefix("review.") }
            var auditCount: [Int64: Int] = [:]
            for e in audit {
                let obj = try JSONSerialization.jsonObject(with: Data(e.payload.utf8)) as? [String: Any]
                if let id = obj?["review"] as? Int { auditCount[Int64(id), default: 0] += 1 }
            }
            for r in all {
                #expect(r.transitions.count == r.version, "review \(r.id) half-written")
                #expect(r.transitions.first?.status == .open)
                #expect(r.transitions.last?.status == r.status)
                #expect(r.transitions.allSatisfy { $0.metrics != nil })
                #expect(auditCount[r.id] == r.version, "audit of review \(r.id) does not match")
            }
            #expect(audit.count == all.reduce(0) { $0 + $1.version })
            // The chain survives the kills whole: no half-linked row.
            #expect(try await f.store.verifyAudit().problems == [])
        }
    }
}

/// Polls a file until it contains `text` (or `seconds` pass).
func waitForText(_ text: String, in path: String, seconds: Double) async throws {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if let s = try? String(contentsOfFile: path, encoding: .utf8), s.contains(text) { return }
        try await Task.sleep(for: .milliseconds(20))
    }
}
