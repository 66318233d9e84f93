import Foundation
import StoreTestSupport
import Testing
import ThreadTestSupport

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
        // On the screen, account rows start with the cursor column (`> ` on the selected one, the first).
        let ids = { (text: String, indent: Int) in
            text.split(separator: "\n").map { $0.dropFirst(indent) }.filter { $0.hasPrefix("ACC-") }
                .map { String($0.prefix(10)) }
        }
        let cursor = screen.split(separator: "\n").filter { $0.hasPrefix("> ACC-") }
        #expect(cursor.map { String($0.dropFirst(2).prefix(10)) } == Array(ids(snapshot, 0).prefix(1)))
        #expect(ids(screen, 2).count == 20)
        #expect(Array(ids(screen, 2).prefix(5)) == ids(snapshot, 0))
        try t.keys("q")
        try t.waitForExit(status: 0)
    }

    /// A review opened from the merged view: j moves the selection, Enter drills in (published
    /// figures, the shard, the stored account), L opens the dashboard's dialog; the review is in the
    /// store with the shard's figures as the confirmed ones and the audit trail verifies. A second
    /// review of the same account is refused by the store, one by a role that may only read is
    /// refused by the database, and with the store stopped a review is NOT STORED: each on the
    /// screen, which keeps running. `--read-only` refuses L.
    @Test(.enabled(if: E2E.tmuxAvailable))
    func reviewFromTheMergedView() async throws {
        try await offThread { try Self.review() }
    }

    static func review() throws {
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
        let top = try JSONSerialization.jsonObject(
            with: Data(try e2e.run(["snapshot", "--cluster", "--store", url, "--top", "5", "--format", "json"]).utf8))
        let accounts = try #require((top as? [String: Any])?["accounts"] as? [[String: Any]], "\(top)")
        let second = try #require(accounts.dropFirst().first)
        let id = try #require(second["id"] as? String, "\(second)")

        // --read-only: L says so and opens nothing.
        do {
            let t = TmuxSession()
            defer { t.kill() }
            try t.start(command: e2e.dashboard(["--cluster", "--store", url, "--read-only"]), cols: 120, rows: 30)
            try t.waitFor(text: "300 accounts in 2 shards")
            try t.keys("L")
            try t.waitFor(text: "read-only: no liquidation reviews")
            #expect(!t.capture().contains("Manual liquidation review"))
            try t.keys("q")
            try t.waitForExit(status: 0)
        }

        let t = TmuxSession()
        defer { t.kill() }
        try t.start(
            command: e2e.dashboard(["--cluster", "--store", url, "--operator", "e2e-cluster"]), cols: 120, rows: 30)
        try t.waitFor(text: "300 accounts in 2 shards")
        // The second account of the top list, drilled into: what the merged view and the store know.
        try t.keys("j")
        try t.waitFor("the cursor on \(id)") { $0.contains("> \(id)") }
        try t.keys("Enter")
        let drill = try t.waitFor("the drill-down of \(id)") {
            $0.contains(id) && $0.contains("As published by shard") && $0.contains("Stored account, read from")
        }
        #expect(drill.contains("collateral") || drill.contains("position"), "\(drill)")
        #expect(drill.contains("finished"), "\(drill)")

        // L: the dashboard's dialog, with the shard's figures and their time; a note; Enter.
        try t.keys("L")
        let dialog = try t.waitFor(text: "Manual liquidation review")
        #expect(dialog.contains("Figures as published by shard"))
        #expect(dialog.contains("operator e2e-cluster"))
        #expect(!dialog.contains("STALE"), "a finished shard's figures are its last: \(dialog)")
        try t.literal("cluster note 1")
        try t.waitFor(text: "cluster note 1")
        try t.keys("Enter")
        try t.waitFor(text: " stored rev-")

        // In the store, from another process: the review, its transition, the confirmed figures.
        let listed = try e2e.run(["review", "list", "--format", "json", "--store", url])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any])
        let reviews = try #require(doc["reviews"] as? [[String: Any]])
        #expect(reviews.count == 1)
        let review = try #require(reviews.first)
        #expect(review["account"] as? String == id)
        #expect(review["status"] as? String == "open")
        #expect(review["openedBy"] as? String == "e2e-cluster")
        let opened = try #require((review["transitions"] as? [[String: Any]])?.first)
        #expect(opened["note"] as? String == "cluster note 1")
        let confirmed = try #require(opened["confirmedMetrics"] as? [String: Any], "\(opened)")
        #expect(confirmed["state"] as? String == second["state"] as? String, "\(confirmed) vs \(second)")
        #expect(confirmed["equity"] as? Double == second["equity"] as? Double, "\(confirmed) vs \(second)")
        #expect(confirmed["initialMargin"] is NSNull, "shards publish no IM: \(confirmed)")
        #expect(opened["metrics"] is [String: Any], "the store's own figures: \(opened)")
        let verified = try e2e.run(["audit", "verify", "--store", url])
        #expect(!verified.isEmpty)

        // A refused write: the account has a review in progress. The error is on the screen.
        try t.keys("Escape")
        try t.waitFor("dialog closed") { !$0.contains("Manual liquidation review") }
        try t.keys("L")
        try t.waitFor(text: "Manual liquidation review")
        try t.literal("again")
        try t.keys("Enter")
        try t.waitFor(text: "NOT STORED: account \"\(id)\" already has review")
        try t.keys("Escape")
        try t.waitFor("dialog closed") { !$0.contains("Manual liquidation review") }

        // A write the database refuses: a role that may only read opens the screen; its review is
        // NOT STORED with the server's reason, and nothing is stored.
        let grant = try Spawn.run(
            TestPostgres.binDir + "/psql",
            [
                "-h", "127.0.0.1", "-p", "\(server.port)", "-U", "postgres", "-d", server.database, "-c",
                "CREATE ROLE viewer LOGIN; GRANT SELECT ON ALL TABLES IN SCHEMA public TO viewer;",
            ], timeout: 60)
        try #require(grant.status == 0, "\(grant.stderr)")
        do {
            let viewer = TmuxSession()
            defer { viewer.kill() }
            let viewerURL = "postgres://viewer@127.0.0.1:\(server.port)/\(server.database)"
            try viewer.start(command: e2e.dashboard(["--cluster", "--store", viewerURL]), cols: 120, rows: 30)
            try viewer.waitFor(text: "300 accounts in 2 shards")
            try viewer.keys("L")
            try viewer.waitFor(text: "Manual liquidation review")
            try viewer.literal("no rights")
            try viewer.keys("Enter")
            try viewer.waitFor(text: "NOT STORED: database error: permission denied")
            try viewer.keys("Escape")
            try viewer.keys("q")
            try viewer.waitForExit(status: 0)
        }

        // The store stopped: the merged view cannot be read, a review is NOT STORED; the screen runs.
        try server.stopServer()
        try t.waitFor(text: "cannot read the merged view")
        try t.keys("L")
        let down = try t.waitFor(text: "Manual liquidation review")
        #expect(down.contains("STALE: cannot read the merged view now"), "\(down)")
        try t.literal("store down")
        try t.keys("Enter")
        try t.waitFor(text: "NOT STORED:")
        try t.keys("Escape")
        try t.keys("q")
        try t.waitForExit(status: 0)
        try server.startServer()
        let after = try e2e.run(["review", "list", "--format", "json", "--store", url])
        let reviewsAfter = (try JSONSerialization.jsonObject(with: Data(after.utf8)) as? [String: Any])?["reviews"]
        #expect((reviewsAfter as? [[String: Any]])?.count == 1)
    }

    /// A shard killed (SIGKILL) mid-run: the screen shows it dead, and the review dialog of one of
    /// its accounts says its figures are stale before anything is confirmed.
    @Test(.enabled(if: E2E.tmuxAvailable))
    func aDeadShardsAccountIsReviewedOnlyWithAStaleWarning() async throws {
        try await offThread { try Self.deadShard() }
    }

    static func deadShard() throws {
        let e2e = try E2E()
        let server = try TestPostgres.start()
        defer { server.destroy() }
        let url = server.urlString
        let book = e2e.home + "/book.json"
        _ = try e2e.run(["demo-book", "--accounts", "200", "--seed", "2", "--out", book])
        _ = try e2e.run(["import", "--store", url, book])
        let pid = try Spawn.start(
            E2E.binary, ["watch", "--headless", "--store", url, "--feed", "sim:seed=3,rate=5", "--shard", "0/1"])
        var killed = false
        defer {
            if !killed {
                kill(pid, SIGKILL)
                _ = try? Spawn.wait(pid, timeout: 30, command: "watch --shard 0/1")
            }
        }
        let t = TmuxSession()
        defer { t.kill() }
        try t.start(
            command: e2e.dashboard(["--cluster", "--store", url, "--operator", "e2e-dead"]), cols: 120, rows: 30)
        try t.waitFor("the live shard", timeout: 120) {
            $0.contains("200 accounts in 1 shard") && $0.contains(" live ")
        }
        kill(pid, SIGKILL)
        _ = try Spawn.wait(pid, timeout: 30, command: "watch --shard 0/1")
        killed = true
        try t.waitFor("the shard dead", timeout: 60) { $0.contains(" dead ") }
        try t.keys("L")
        let dialog = try t.waitFor(text: "Manual liquidation review")
        #expect(dialog.contains("STALE: shard 0/1 is dead: no publish for"), "\(dialog)")
        #expect(dialog.contains("confirm on these STALE figures"), "\(dialog)")
        try t.keys("Escape")
        try t.keys("q")
        try t.waitForExit(status: 0)
    }
}
