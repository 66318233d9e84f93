import Foundation
import StoreTestSupport
import Testing
import ThreadTestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// Shards end to end (issue 13, item 5): real PostgreSQL, real `margintop watch --shard K/N`
/// processes on a replayed feed, and `snapshot --cluster` reading the merged view.
@Suite("Cluster end to end", .serialized, .timeLimit(.minutes(20)))
struct ClusterEndToEndTests {
    static let ticks = CLITests.fixtures.appendingPathComponent("cluster-ticks.ndjson").path

    /// A demo book of 2,000 accounts (standard and portfolio; its es accounts made portfolio, so four
    /// debug-built watchers replay it in about a minute on two cores), imported into `url`.
    static func importBook(_ url: String, dir: String) throws {
        let demo = try Spawn.run(CLITests.binary.path, ["demo-book", "--accounts", "2000", "--seed", "1"])
        try #require(demo.status == 0, "\(demo.stderr)")
        let book = demo.stdout.replacingOccurrences(of: #""model":"es""#, with: #""model":"portfolio""#)
        #expect(book.contains(#""model":"portfolio""#) && !book.contains(#""model":"es""#))
        let path = dir + "/book.json"
        try Data(book.utf8).write(to: URL(fileURLWithPath: path))
        let r = try Spawn.run(CLITests.binary.path, ["import", "--store", url, path], timeout: 120)
        try #require(r.status == 0, "\(r.stderr)")
    }

    static func cluster(_ url: String, shards: Int, deadAfter: String = "5") throws -> [String: Any] {
        let r = try Spawn.run(
            CLITests.binary.path,
            [
                "snapshot", "--cluster", "--store", url, "--shards", "\(shards)", "--format", "json", "--top", "50",
                "--dead-after", deadAfter,
            ])
        try #require(r.status == 0, "\(r.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any])
    }

    static func health(_ view: [String: Any]) -> [String] {
        ((view["shardStatus"] as? [[String: Any]]) ?? []).map { ($0["health"] as? String) ?? "?" }
    }

    static func top(_ view: [String: Any]) -> [String] {
        ((view["accounts"] as? [[String: Any]]) ?? []).map { "\($0["id"] ?? "?") \($0["state"] ?? "?")" }
    }

    @Test("three shards' merged counts and top 50 equal one unsharded watcher's; a killed shard is dead")
    func mergedEqualsUnsharded() async throws {
        try await offThread { try Self.run() }
    }

    static func run() throws {
        let server = try TestPostgres.start()
        defer { server.destroy() }
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = server.urlString
        try importBook(url, dir: dir)
        let feed = "replay:\(ticks),speed=max,step=10s"
        var pids: [(String, pid_t)] = []
        for shard in ["0/3", "1/3", "2/3", "0/1"] {
            let log = dir + "/watch-\(shard.replacingOccurrences(of: "/", with: "-"))"
            let pid = try Spawn.start(
                CLITests.binary.path,
                ["watch", "--headless", "--store", url, "--feed", feed, "--shard", shard, "--summary-every", "3600"],
                stdout: log + ".out", stderr: log + ".err")
            pids.append((shard, pid))
        }
        for (shard, pid) in pids {
            let status = try Spawn.wait(pid, timeout: 900, command: "watch --shard \(shard)")
            let err =
                (try? String(
                    contentsOfFile: dir + "/watch-\(shard.replacingOccurrences(of: "/", with: "-")).err",
                    encoding: .utf8)) ?? ""
            #expect(status == 0, "watch --shard \(shard): \(err)")
        }
        let merged = try cluster(url, shards: 3)
        let single = try cluster(url, shards: 1)
        #expect(health(merged) == ["finished", "finished", "finished"])
        #expect(health(single) == ["finished"])
        let m = try #require(merged["summary"] as? [String: Any])
        let s = try #require(single["summary"] as? [String: Any])
        for key in ["accounts", "safe", "warning", "danger", "liquidatable", "bankrupt", "error", "staleAccounts"] {
            #expect(m[key] as? Int == s[key] as? Int, "\(key)")
        }
        #expect(m["accounts"] as? Int == 2000)
        #expect((m["liquidatable"] as? Int ?? 0) > 0 && (m["bankrupt"] as? Int ?? 0) > 0)
        let mShort = try #require(m["shortfall"] as? Double)
        let sShort = try #require(s["shortfall"] as? Double)
        // Summed in another order: equal to rounding.
        #expect(abs(mShort - sShort) <= 1e-9 * max(1, abs(sShort)))
        #expect(top(merged).count == 50)
        #expect(top(merged) == top(single))
        // Every shard published what it owns.
        let shardsOfTop = Set(((merged["accounts"] as? [[String: Any]]) ?? []).compactMap { $0["shard"] as? Int })
        #expect(shardsOfTop == [0, 1, 2])

        // Shards of 4 on a live feed, shard 3 never started; then shard 1 killed with SIGKILL.
        var live: [pid_t] = []
        defer {
            for pid in live {
                kill(pid, SIGKILL)
                _ = try? Spawn.wait(pid, timeout: 30, command: "watch")
            }
        }
        for k in 0..<3 {
            live.append(
                try Spawn.start(
                    CLITests.binary.path,
                    ["watch", "--headless", "--store", url, "--feed", "sim:seed=7,rate=5", "--shard", "\(k)/4"],
                    stdout: dir + "/live-\(k).out", stderr: dir + "/live-\(k).err"))
        }
        // Generous: a debug build's publish on a loaded machine can take seconds.
        let deadAfter = "20"
        try waitFor("shards 0-2 of 4 live") {
            try health(cluster(url, shards: 4, deadAfter: deadAfter)) == ["live", "live", "live", "missing"]
        }
        kill(live[1], SIGKILL)
        _ = try Spawn.wait(live[1], timeout: 30, command: "watch --shard 1/4")
        try waitFor("shard 1 of 4 dead") {
            try health(cluster(url, shards: 4, deadAfter: deadAfter)) == ["live", "dead", "live", "missing"]
        }
        let view = try cluster(url, shards: 4, deadAfter: deadAfter)
        let rows = try #require(view["shardStatus"] as? [[String: Any]])
        #expect((rows[1]["ageSeconds"] as? Double ?? 0) > 20)
        #expect(rows[3]["ageSeconds"] is NSNull)
    }

    @Test("a publish the store refuses is a publish event; once the store is back the shard is live with every row")
    func publishSurvivesAStoreRestart() async throws {
        try await offThread { try Self.restart() }
    }

    static func restart() throws {
        let server = try TestPostgres.start()
        defer { server.destroy() }
        let dir = try makeTempDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let url = server.urlString
        let demo = try Spawn.run(
            CLITests.binary.path, ["demo-book", "--accounts", "200", "--seed", "2", "--out", dir + "/book.json"])
        try #require(demo.status == 0, "\(demo.stderr)")
        let imported = try Spawn.run(CLITests.binary.path, ["import", "--store", url, dir + "/book.json"])
        try #require(imported.status == 0, "\(imported.stderr)")
        let out = dir + "/watch.out"
        let pid = try Spawn.start(
            CLITests.binary.path,
            ["watch", "--headless", "--store", url, "--feed", "sim:seed=3,rate=5", "--shard", "0/1"],
            stdout: out, stderr: dir + "/watch.err")
        defer {
            kill(pid, SIGKILL)
            _ = try? Spawn.wait(pid, timeout: 30, command: "watch")
        }
        func rows() throws -> Int { try (cluster(url, shards: 1, deadAfter: "20")["accounts"] as? [Any])?.count ?? 0 }
        func publishes() throws -> Int {
            let status = try cluster(url, shards: 1, deadAfter: "20")["shardStatus"] as? [[String: Any]]
            return status?.first?["publishes"] as? Int ?? 0
        }
        try waitFor("the first publishes") { try publishes() >= 2 && rows() == 50 }
        let before = try publishes()
        try server.stopServer()
        try waitFor("a publish error event") {
            ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").contains(#""type":"publish""#)
        }
        try server.startServer()
        try waitFor("publishes again") { try publishes() > before + 1 }
        let view = try cluster(url, shards: 1, deadAfter: "20")
        #expect(health(view) == ["live"])
        let all = try Spawn.run(
            CLITests.binary.path,
            ["snapshot", "--cluster", "--store", url, "--format", "json", "--top", "1000", "--dead-after", "20"])
        let whole = try JSONSerialization.jsonObject(with: Data(all.stdout.utf8)) as? [String: Any]
        #expect((whole?["accounts"] as? [Any])?.count == 200)
        let event = ((try? String(contentsOfFile: out, encoding: .utf8)) ?? "").split(separator: "\n")
            .first { $0.contains(#""type":"publish""#) }
        #expect(event?.contains(#""shard":"0/1""#) == true && event?.contains(#""error":"#) == true)
    }

    /// Polls `condition` every half second until it holds (a deadline far beyond the expected wait).
    static func waitFor(_ what: String, timeout: Double = 300, _ condition: () throws -> Bool) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try condition() { return }
            usleep(500_000)
        }
        Issue.record("\(what): not within \(timeout) s")
    }

    @Test(
        "--shard and --cluster need a PostgreSQL store, and K/N must be one",
        arguments: [
            ["watch", "--headless", "--shard", "0/3", "--book", "x.json"],
            ["watch", "--headless", "--shard", "0/3", "--store", "sqlite:/tmp/x.sqlite"],
            ["watch", "--headless", "--shard", "0/3"],
            ["watch", "--headless", "--shard", "3/3", "--store", "postgres://u@127.0.0.1:1/db"],
            ["watch", "--headless", "--shard", "x", "--store", "postgres://u@127.0.0.1:1/db"],
            ["snapshot", "--cluster", "--store", "sqlite:/tmp/x.sqlite"],
            ["snapshot", "--cluster", "--store", "postgres://u@127.0.0.1:1/db", "--shards", "0"],
            ["snapshot", "--cluster", "--store", "postgres://u@127.0.0.1:1/db", "--format", "csv"],
        ])
    func usageErrors(_ args: [String]) async throws {
        let r = try await offThread { try Spawn.run(CLITests.binary.path, args) }
        #expect(r.status == 64, "\(args): \(r.stderr)")
        #expect(r.stderr.contains("--shard") || r.stderr.contains("--cluster"), "\(r.stderr)")
    }
}
