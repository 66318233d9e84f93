import Foundation
import StoreTestSupport
import Testing
import ThreadTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Issue 10 item 21: a replay is a post-mortem and gives the same events on any machine.
/// `watch --headless` applies it one exchange-time step at a time (the feed waits for each),
/// and every event carries the exchange time of the tick that caused it.
@Suite struct DeterministicReplayTests {
    /// Coinbase BTC-USD hourly closes of 2018-03-17 04:00 to 16:00 UTC (8210.06 down to 7898),
    /// in the CryptoDataDownload layout (newest first), and a book whose ACC-7 (long 10
    /// BTC-PERP at 8210.06 on 3110 USDC) walks from safe to bankrupt over that sell-off.
    static let csv = CLITests.fixtures.appendingPathComponent("btc-usd-1h-2018-03-17.csv").path
    static let book = CLITests.fixtures.appendingPathComponent("selloff-book.json").path

    static func events(_ stdout: String) -> [[String: Any]] {
        stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }

    /// The lines without their wall-clock members: `time` (when the line was written) and the
    /// recompute latencies. Text edits only, so every other byte is compared as written.
    static func withoutWallClock(_ stdout: String) throws -> String {
        let wall = try Regex(#""(time|recomputeP50Ms|recomputeP99Ms)":("[^"]*"|[-+0-9.eE]+),"#)
        return stdout.replacing(wall, with: "")
    }

    /// Runs `watch --headless` on the sell-off; `niced` runs it at the lowest priority, where
    /// the test's busy loops compete with it and nothing else does.
    func watch(_ spec: String, _ extra: [String] = [], niced: Bool = false) async throws -> CLITests.Run {
        let args = ["watch", "--headless", "--book", Self.book, "--feed", "replay:\(Self.csv),\(spec)"] + extra
        let r = try await offThread {
            niced
                ? try Self.runNiced(args)
                : try CLITests.runBlocking(args, stdin: nil)
        }
        #expect(r.status == 0, "\(r.stderr)")
        return r
    }

    static func runNiced(_ args: [String]) throws -> CLITests.Run {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/nice")
        p.arguments = ["-n", "19", CLITests.binary.path] + args
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return CLITests.Run(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    /// At speed=max every hour is its own step: each transition shows, in order, at the exchange
    /// time of the close that caused it (one jump to bankrupt before the fix).
    @Test func speedMaxShowsEveryTransitionAtItsExchangeTime() async throws {
        let events = Self.events(try await watch("speed=max").stdout)
        let states = events.filter { $0["type"] as? String == "state" }
        #expect(
            states.map { "\($0["account"]!) \($0["from"]!)>\($0["to"]!) \($0["exchangeTime"] ?? "-")" } == [
                "ACC-7 safe>warning 2018-03-17T13:00:00Z",
                "ACC-7 warning>danger 2018-03-17T14:00:00Z",
                "ACC-7 danger>liquidatable 2018-03-17T15:00:00Z",
                "ACC-7 liquidatable>bankrupt 2018-03-17T16:00:00Z",
            ])
        #expect(states.map { ($0["cause"] as? [String: Any])?["price"] as? Double } == [8010, 7981.14, 7906.44, 7898])
        #expect(
            states.allSatisfy { ($0["cause"] as? [String: Any])?["ts"] as? String == $0["exchangeTime"] as? String })
        // Feed status and the last summary carry exchange times too; `time` stays the wall clock.
        let feed = events.filter { $0["type"] as? String == "feed" }
        #expect(
            feed.map { "\($0["status"]!) \($0["exchangeTime"] ?? "-")" } == [
                "live 2018-03-17T04:00:00Z", "finished 2018-03-17T16:00:00Z",
            ])
        let last = try #require(events.last)
        #expect(last["type"] as? String == "summary" && last["exchangeTime"] as? String == "2018-03-17T16:00:00Z")
        #expect(last["bankrupt"] as? Int == 1 && last["safe"] as? Int == 1)
        #expect(events.allSatisfy { ($0["time"] as? String)?.hasPrefix("2018") == false })
    }

    /// Two runs, one of them beside processes keeping both cores busy, print the same bytes
    /// once the wall-clock members are taken out. The loaded run and the busy loops share the
    /// lowest priority, so the load slows that run and leaves the tests running beside it alone.
    @Test func runsAreByteIdenticalEvenUnderLoad() async throws {
        let first = try Self.withoutWallClock(try await watch("speed=max", ["--summary-every", "3600"]).stdout)
        // `timeout` passes SIGTERM on to its shell (both start with a clean signal mask), and
        // kills it by itself should this test die first.
        let busy = try (0..<2).map { _ in
            try Spawn.start(
                "/usr/bin/nice", ["-n", "19", "timeout", "-s", "KILL", "120", "/bin/sh", "-c", "while :; do :; done"])
        }
        defer {
            for pid in busy {
                kill(pid, SIGTERM)
                _ = try? Spawn.wait(pid, timeout: 10, command: "busy loop")
            }
        }
        let loaded = try Self.withoutWallClock(
            try await watch("speed=max", ["--summary-every", "3600"], niced: true).stdout)
        let again = try Self.withoutWallClock(try await watch("speed=max", ["--summary-every", "3600"]).stdout)
        #expect(first == loaded)
        #expect(first == again)
        // One summary per step (every exchange hour) and the final one.
        #expect(Self.events(first).filter { $0["type"] as? String == "summary" }.count == 13)
        #expect(!first.contains(#""time":"#) && first.contains(#""exchangeTime":"2018-03-17T10:00:00Z""#))
    }

    /// `step=2h` applies two hours of closes per step (buckets aligned on the epoch): the 14:00
    /// and 15:00 closes land together, so the account goes from warning straight to
    /// liquidatable at 15:00. Summaries come every --summary-every seconds of exchange time.
    @Test func stepBucketsAndSummariesFollowExchangeTime() async throws {
        let events = Self.events(try await watch("speed=max,step=2h", ["--summary-every", "14400"]).stdout)
        let states = events.filter { $0["type"] as? String == "state" }
        #expect(
            states.map { "\($0["from"]!)>\($0["to"]!) \($0["exchangeTime"] ?? "-")" } == [
                "safe>warning 2018-03-17T13:00:00Z", "warning>liquidatable 2018-03-17T15:00:00Z",
                "liquidatable>bankrupt 2018-03-17T16:00:00Z",
            ])
        let summaries = events.filter { $0["type"] as? String == "summary" }
        #expect(
            summaries.map { $0["exchangeTime"] as? String ?? "-" } == [
                "2018-03-17T09:00:00Z", "2018-03-17T13:00:00Z", "2018-03-17T16:00:00Z",
            ])
    }
}
