import Foundation
import StoreTestSupport
import Testing

/// `margintop --cluster` in a real terminal (tmux) on a real PostgreSQL store that two
/// `watch --shard K/2` processes published into.
@Suite(.serialized, .timeLimit(.minutes(10)))
struct ClusterScreenEndToEndTests {
    @Test(.enabled(if: E2E.tmuxAvailable))
    func mergedViewOnScreen() async throws {
        try await offThread { try Self.run() }
    }

    static func run() throws {
        let e2e = try E2E()
        let server = try TestPostgres.start()
        defer { server.destroy() }
        let url = server.urlString
        let book = e2e.home + "/book.json"
        _ = try e2e.run(["demo-book", "--accounts", "300", "--seed", "1", "--out", book])
        _ = try e2e.run(["import", "--store", url, book])
        let ticks = E2E.packageRoot.appendingPathComponent("Tests/Fixtures/cluster-ticks.ndjson").path
        let watchers = try (0..<2).map { k in
            try Spawn.start(
                E2E.binary,
                [
                    "watch", "--headless", "--store", url, "--feed", "replay:\(ticks),speed=max,step=10s", "--shard",
                    "\(k)/2",
                ])
        }
        for (k, pid) in watchers.enumerated() {
            #expect(try Spawn.wait(pid, timeout: 300, command: "watch --shard \(k)/2") == 0)
        }
        let snapshot = try e2e.run(["snapshot", "--cluster", "--store", url, "--top", "5"])
        let t = TmuxSession()
        defer { t.kill() }
        try t.start(command: e2e.dashboard(["--cluster", "--store", url]), cols: 120, rows: 30)
        let screen = try t.waitFor("the merged view") { s in
            s.contains("300 accounts in 2 shards") && s.contains("SHARD") && s.contains("q quit")
        }
        #expect(screen.split(separator: "\n").filter { $0.hasPrefix("0/2") || $0.hasPrefix("1/2") }.count == 2)
        #expect(screen.contains("finished"))
        // The top accounts as snapshot --cluster ranks them, as many as fit (30 rows: 20).
        let ids = { (text: String) in
            text.split(separator: "\n").filter { $0.hasPrefix("ACC-") }.map { String($0.prefix(10)) }
        }
        #expect(ids(screen).count == 20)
        #expect(Array(ids(screen).prefix(5)) == ids(snapshot))
        try t.keys("q")
        try t.waitForExit(status: 0)
    }
}
