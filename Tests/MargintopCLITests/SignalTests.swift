import Foundation
import StoreTestSupport
import Testing
import ThreadTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// A signal ends `record` and `watch --headless` cleanly, with their data written (issue 10, items 2 and 3).
@Suite struct SignalTests {
    static func temp(_ name: String) -> String {
        NSTemporaryDirectory() + "signal-\(UUID().uuidString)-\(name)"
    }

    /// Starts the binary with a clean signal mask, signals it after `after` seconds, waits for its exit.
    static func runSignalled(_ args: [String], after: Double, signal sig: Int32, stdout: String, stderr: String)
        async throws -> Int32
    {
        let pid = try Spawn.start(CLITests.binary.path, args, stdout: stdout, stderr: stderr)
        try await Task.sleep(for: .seconds(after))
        kill(pid, sig)
        return try await offThread { try Spawn.wait(pid, timeout: 20, command: args.joined(separator: " ")) }
    }

    /// Every tick the recorder counted is in the file, flushed on SIGINT and on SIGTERM; the closing line says why it stopped.
    @Test(arguments: [SIGINT, SIGTERM])
    func recordFlushesOnSignal(_ sig: Int32) async throws {
        let out = Self.temp("ticks.ndjson")
        let err = Self.temp("err")
        defer {
            try? FileManager.default.removeItem(atPath: out)
            try? FileManager.default.removeItem(atPath: err)
        }
        let status = try await Self.runSignalled(
            ["record", "--feed", "sim:rate=400", "--out", out], after: 2, signal: sig, stdout: "/dev/null", stderr: err)
        #expect(status == 0)
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        let closing = try String(contentsOfFile: err, encoding: .utf8)
        #expect(lines.count > 100, "\(lines.count) lines; stderr: \(closing)")
        #expect(closing.contains("recorded \(lines.count) ticks to \(out)"), "\(lines.count) lines; stderr: \(closing)")
        #expect(closing.contains("stopped by \(sig == SIGINT ? "SIGINT" : "SIGTERM")"), "\(closing)")
        // The last line is whole (no tick cut in the middle).
        #expect(lines.last.map { (try? JSONSerialization.jsonObject(with: Data($0.utf8))) != nil } == true)
    }

    /// `watch --headless` stopped by a signal still writes the feed's finished status and its final summary.
    @Test func watchFinishesOnSignal() async throws {
        let out = Self.temp("events.ndjson")
        defer { try? FileManager.default.removeItem(atPath: out) }
        let book = CLITests.fixtures.appendingPathComponent("watch-book.json").path
        let status = try await Self.runSignalled(
            ["watch", "--headless", "--book", book, "--feed", "sim:rate=50", "--summary-every", "60"], after: 2,
            signal: SIGTERM, stdout: out, stderr: "/dev/null")
        #expect(status == 0)
        let events = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(
            events.contains { $0["type"] as? String == "feed" && $0["status"] as? String == "finished" }, "\(events)")
        #expect(events.last?["type"] as? String == "summary", "\(events)")
        #expect((events.last?["ticksPerSecond"] as? Double ?? 0) > 0, "\(events)")
    }
}
