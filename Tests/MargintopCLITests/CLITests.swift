import Foundation
import Testing
import ThreadTestSupport

/// End-to-end: runs the built `margintop` binary as a user would.
@Suite struct CLITests {
    struct Run {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static let binary: URL = {
        // The test bundle sits next to the package's products.
        var dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = dir.appendingPathComponent("margintop")
            if FileManager.default.isExecutableFile(atPath: candidate.path) { return candidate }
            dir = dir.deletingLastPathComponent()
        }
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return root.appendingPathComponent(".build/debug/margintop")
    }()

    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    func run(_ args: [String], stdin: String? = nil) async throws -> Run {
        try await offThread { try CLITests.runBlocking(args, stdin: stdin) }
    }

    static func runBlocking(_ args: [String], stdin: String?) throws -> Run {
        let p = Process()
        p.executableURL = CLITests.binary
        p.arguments = args
        let out = Pipe()
        let err = Pipe()
        let inp = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        if let stdin { inp.fileHandleForWriting.write(Data(stdin.utf8)) }
        try inp.fileHandleForWriting.close()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return Run(
            status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self),
            stderr: String(decoding: e, as: UTF8.self))
    }

    func tempFile(_ text: String, name: String = "book.json") throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("margintop-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let url = dir.appendingPathComponent(name)
        try Data(text.utf8).write(to: url)
        return url.path
    }

    @Test func snapshotJSONOfTheExampleBook() async throws {
        let r = try await run([
            "snapshot", "--book", CLITests.fixtures.appendingPathComponent("example-book.json").path, "--format",
            "json",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains(#""format": "margintop.snapshot/1""#))
        #expect(r.stdout.contains(#""equity": 412458.2160388794"#))
        #expect(r.stdout.contains(#""accounts": 1,"#))
        #expect(r.stderr.isEmpty)
    }

    @Test func snapshotTableAndCSV() async throws {
        let book = CLITests.fixtures.appendingPathComponent("example-book.json").path
        let t = try await run(["snapshot", "--book", book])
        #expect(t.status == 0)
        #expect(t.stdout.contains("ACC-1001") && t.stdout.contains("11.57%") && t.stdout.contains("+60.62%"))
        let c = try await run(["snapshot", "--book", book, "--format", "csv"])
        let lines = c.stdout.split(separator: "\r\n")
        #expect(lines.count == 2)
        #expect(lines[0].hasPrefix("id,name,model,state,equity"))
        #expect(lines[1].hasPrefix("ACC-1001,Alpha Fund,standard,safe,412458.2160388794"))
    }

    @Test func asOfAndModelOverrides() async throws {
        let book = CLITests.fixtures.appendingPathComponent("example-book.json").path
        let later = try await run(["snapshot", "--book", book, "--format", "json", "--as-of", "2026-12-27T08:00:00Z"])
        #expect(later.status == 0)
        #expect(later.stdout.contains(#""asOf": "2026-12-27T08:00:00Z""#))
        // At expiry the ATM call is worth its intrinsic 0: E = 450000 + 3960 + 1515.
        #expect(later.stdout.contains(#""equity": 455475.0"#))
        let pm = try await run(["snapshot", "--book", book, "--format", "json", "--model", "portfolio"])
        #expect(pm.status == 0)
        #expect(pm.stdout.contains(#""model": "portfolio""#))
        let bad = try await run(["snapshot", "--book", book, "--as-of", "yesterday"])
        #expect(bad.status == 64)
    }

    @Test func aBadBookExits65WithThePathOnStderrAndNothingOnStdout() async throws {
        let text = try String(
            contentsOf: CLITests.fixtures.appendingPathComponent("example-book.json"), encoding: .utf8
        )
        .replacingOccurrences(
            of: #""instrument": "BTC-PERP", "quantity": -4"#, with: #""instrument": "BTC-PERPX", "quantity": -4"#)
        let path = try tempFile(text)
        for args in [
            ["snapshot", "--book", path], ["validate", path], ["snapshot", "--book", path, "--format", "json"],
        ] {
            let r = try await run(args)
            #expect(r.status == 65)
            #expect(r.stdout.isEmpty)
            #expect(
                r.stderr
                    == "margintop: \(path): accounts[0].subaccounts[0].positions[0].instrument: unknown instrument \"BTC-PERPX\"\n"
            )
        }
        let syntax = try await run(["validate", try tempFile("{\"format\": ")])
        #expect(syntax.status == 65)
        #expect(syntax.stderr.contains("line 1, column 12"))
    }

    @Test func missingFileIsARuntimeFailure() async throws {
        let r = try await run(["snapshot", "--book", "/nonexistent/book.json"])
        #expect(r.status == 1)
        #expect(r.stderr.contains("/nonexistent/book.json: no such file"))
        #expect(r.stdout.isEmpty)
    }

    @Test func validateReportsCounts() async throws {
        let r = try await run(["validate", CLITests.fixtures.appendingPathComponent("example-book.json").path])
        #expect(r.status == 0)
        #expect(r.stdout.contains("valid: 3 assets, 4 instruments, 1 accounts, 4 positions"))
    }

    @Test func demoBookIsDeterministicAndValid() async throws {
        let a = try await run(["demo-book", "--accounts", "25", "--seed", "5"])
        let b = try await run(["demo-book", "--accounts", "25", "--seed", "5"])
        #expect(a.status == 0 && a.stdout == b.stdout)
        let v = try await run(["validate", "-"], stdin: a.stdout)
        #expect(v.status == 0, "\(v.stderr)")
        #expect(v.stdout.contains("25 accounts"))
        let snap = try await run(["snapshot", "--book", "-", "--format", "json"], stdin: a.stdout)
        #expect(snap.status == 0)
    }

    @Test func benchPrintsJSON() async throws {
        let r = try await run(["bench", "--accounts", "300", "--runs", "2", "--json"])
        #expect(r.status == 0, "\(r.stderr)")
        for key in ["\"model\"", "\"accounts\":300", "\"positions\"", "\"fullRecomputeMs\"", "\"positionsPerSecond\""] {
            #expect(r.stdout.contains(key), "\(key) in \(r.stdout)")
        }
    }

    /// The live and decode modes print their figures (values are for people to read, not asserted).
    @Test func benchLiveAndDecodeModes() async throws {
        let live = try await run([
            "bench", "--live", "--accounts", "300", "--seconds", "1", "--rate", "200", "--model", "portfolio", "--json",
        ])
        #expect(live.status == 0, "\(live.stderr)")
        let obj = try #require(try JSONSerialization.jsonObject(with: Data(live.stdout.utf8)) as? [String: Any])
        #expect(obj["model"] as? String == "portfolio")
        #expect(obj["accounts"] as? Int == 300)
        for key in [
            "tickToResultP99Ms", "tickToSnapshotP50Ms", "tickToSnapshotP99Ms", "recomputesPerSecond", "peakRSSMiB",
            "incrementalSteps", "fullSteps", "maxBacklog",
        ] {
            #expect(obj[key] != nil, "\(key) in \(live.stdout)")
        }
        #expect((obj["recomputesPerSecond"] as? Double ?? 0) > 0)
        let decode = try await run(["bench", "--decode", "--json"])
        #expect(decode.status == 0, "\(decode.stderr)")
        #expect(decode.stdout.contains(#""adapter":"binance""#) && decode.stdout.contains("\"ticksPerSecond\""))
    }

    /// Issue 5's end-to-end check: a replay drives one account from safe to liquidatable;
    /// the state events appear in order, each with the tick that caused it, and the alert command sees the worsening.
    @Test func watchHeadlessReportsStateChangesInOrder() async throws {
        let alerts = try tempFile("", name: "alerts.txt")
        let r = try await run([
            "watch", "--headless", "--book", CLITests.fixtures.appendingPathComponent("watch-book.json").path,
            "--feed", "replay:" + CLITests.fixtures.appendingPathComponent("watch-ticks.ndjson").path + ",speed=10",
            "--alert-command", "cat >> '\(alerts)'",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let events = r.stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        let states = events.filter { $0["type"] as? String == "state" }
        #expect(
            states.map { "\($0["from"]!)>\($0["to"]!)" } == ["safe>warning", "warning>danger", "danger>liquidatable"])
        #expect(states.allSatisfy { $0["account"] as? String == "ACC-1" })
        #expect(states.allSatisfy { (($0["cause"] as? [String: Any])?["symbol"] as? String) == "BTC" })
        #expect(events.last?["type"] as? String == "summary")
        #expect(events.last?["liquidatable"] as? Int == 1)
        #expect(events.contains { $0["type"] as? String == "feed" && $0["status"] as? String == "finished" })
        let alerted = try String(contentsOfFile: alerts, encoding: .utf8).split(separator: "\n")
        // The three worsening states and ACC-1 coming within 5% of liquidation (at the first tick).
        #expect(alerted.count == 4)
        #expect(alerted.filter { $0.contains(#""type":"near""#) }.count == 1)
    }

    /// ACC-1 (long 2 BTC-PERP on 3000 USDC) worsens to liquidatable, recovers at 60000, and worsens again.
    static let roundTripTicks =
        (0..<17).map { n -> String in
            let prices = [
                60000, 59800, 59600, 59400, 59300, 59200, 59100, 59000, 58800,
                60000, 59800, 59600, 59400, 59300, 59200, 59100, 58800,
            ]
            return
                #"{"ts": "2026-11-24T12:00:\#(String(format: "%02d", n)).000Z", "symbol": "BTC", "kind": "index", "price": \#(prices[n])}"#
        }.joined(separator: "\n") + "\n"

    static func states(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        .filter { $0["type"] as? String == "state" }.map { "\($0["from"]!)>\($0["to"]!)" }
    }

    /// Alerts are deduplicated per account and state for a minute, and a failing command never stops the loop.
    @Test func alertsAreDeduplicatedAndAFailingCommandIsReported() async throws {
        let ticks = try tempFile(CLITests.roundTripTicks, name: "ticks.ndjson")
        let alerts = try tempFile("", name: "alerts.txt")
        let r = try await run([
            "watch", "--headless", "--book", CLITests.fixtures.appendingPathComponent("watch-book.json").path,
            "--feed", "replay:\(ticks),speed=10", "--alert-command", "cat >> '\(alerts)'; exit 3",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(
            CLITests.states(r.stdout) == [
                "safe>warning", "warning>danger", "danger>liquidatable", "liquidatable>safe",
                "safe>warning", "warning>danger", "danger>liquidatable",
            ])
        let alerted = try String(contentsOfFile: alerts, encoding: .utf8).split(separator: "\n")
        // The second round repeats the first's (account, state) keys within the minute: no new
        // alerts. ACC-1 stays within 5% of liquidation throughout: one near alert.
        #expect(alerted.count == 4, "\(alerted)")
        #expect(alerted.allSatisfy { $0.contains(#""account":"ACC-1""#) })
        #expect(r.stderr.components(separatedBy: "exited 3").count - 1 == 4, "\(r.stderr)")
    }

    /// At most --alert-rate alerts a minute; the rest are dropped with a message. A command that
    /// exits without reading its input does not kill the loop.
    @Test func alertsAreRateLimited() async throws {
        let ticks = try tempFile(CLITests.roundTripTicks, name: "ticks.ndjson")
        let alerts = try tempFile("", name: "alerts.txt")
        let r = try await run([
            "watch", "--headless", "--book", CLITests.fixtures.appendingPathComponent("watch-book.json").path,
            "--feed", "replay:\(ticks),speed=10", "--alert-rate", "2", "--alert-command", "cat >> '\(alerts)'",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(try String(contentsOfFile: alerts, encoding: .utf8).split(separator: "\n").count == 2)
        #expect(r.stderr.contains("alert rate limit (2/min) reached"))
        let closed = try await run([
            "watch", "--headless", "--book", CLITests.fixtures.appendingPathComponent("watch-book.json").path,
            "--feed", "replay:\(ticks),speed=10", "--alert-command", "exec 0<&-; exit 0",
        ])
        #expect(closed.status == 0, "\(closed.stderr)")
        #expect(CLITests.states(closed.stdout).count == 7)
    }

    /// `watch --store`: the book comes from the account store, and the same ticks give the same events.
    @Test func watchHeadlessOnAStore() async throws {
        let db = try tempFile("", name: "watch.sqlite")
        try FileManager.default.removeItem(atPath: db)
        let imported = try await run([
            "import", CLITests.fixtures.appendingPathComponent("watch-book.json").path, "--store", "sqlite:" + db,
        ])
        #expect(imported.status == 0, "\(imported.stderr)")
        let r = try await run([
            "watch", "--headless", "--store", "sqlite:" + db,
            "--feed", "replay:" + CLITests.fixtures.appendingPathComponent("watch-ticks.ndjson").path + ",speed=10",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(CLITests.states(r.stdout) == ["safe>warning", "warning>danger", "danger>liquidatable"])
        #expect(r.stdout.contains(#""store":"connected""#))
        let both = try await run(["watch", "--headless", "--store", "sqlite:" + db, "--book", "x.json"])
        #expect(both.status == 64)
    }

    /// `watch --store` follows the store: a book imported by another process while it runs is
    /// picked up, and the account it makes liquidatable shows as a state event.
    @Test func watchFollowsTheStore() async throws {
        let db = try tempFile("", name: "follow.sqlite")
        try FileManager.default.removeItem(atPath: db)
        let bookPath = CLITests.fixtures.appendingPathComponent("watch-book.json").path
        #expect(try await run(["import", bookPath, "--store", "sqlite:" + db]).status == 0)
        // The same book with ACC-1 down to 1000 USDC: MM 1200 > AE 1000.
        let thin = try String(contentsOfFile: bookPath, encoding: .utf8)
            .replacingOccurrences(of: #""amount": 3000"#, with: #""amount": 1000"#)
        let thinPath = try tempFile(thin, name: "thin.json")
        let out = try tempFile("", name: "events.ndjson")
        let watch = Process()
        watch.executableURL = CLITests.binary
        watch.arguments = [
            "watch", "--headless", "--store", "sqlite:" + db, "--feed", "sim:rate=2,accel=1", "--duration", "5",
        ]
        watch.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: out))
        watch.standardError = FileHandle.nullDevice
        try watch.run()
        try await Task.sleep(for: .seconds(1.5))
        #expect(try await run(["import", thinPath, "--store", "sqlite:" + db]).status == 0)
        try await offThread { watch.waitUntilExit() }
        #expect(watch.terminationStatus == 0)
        let events = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
            .compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        let states = events.filter { $0["type"] as? String == "state" }
        #expect(
            states.contains {
                $0["account"] as? String == "ACC-1" && $0["to"] as? String == "liquidatable" && $0["cause"] == nil
            },
            "events: \(events)")
    }

    @Test func watchRejectsBadFeedsClearly() async throws {
        let book = CLITests.fixtures.appendingPathComponent("watch-book.json").path
        #expect(try await run(["watch", "--headless", "--book", book, "--feed", "bogus:x"]).status == 64)
        let missing = try await run(["watch", "--headless", "--book", book, "--feed", "replay:/nonexistent.ndjson"])
        #expect(missing.status == 1)
        #expect(missing.stderr.contains("/nonexistent.ndjson"))
        #expect(try await run(["watch", "--book", book]).status == 64)
        let unreachable = try await run([
            "watch", "--headless", "--store", "postgres://nobody@127.0.0.1:1/none", "--feed", "sim",
        ])
        #expect(unreachable.status == 1 && unreachable.stdout.isEmpty, "\(unreachable.stderr)")
    }

    /// record → replay: the recorded NDJSON drives a watch to the same prices.
    @Test func recordThenReplay() async throws {
        let out = try tempFile("", name: "ticks.ndjson")
        let book = CLITests.fixtures.appendingPathComponent("watch-book.json").path
        let r = try await run([
            "record", "--feed", "sim:seed=4,rate=300", "--book", book, "--out", out, "--duration", "0.5",
        ])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = try String(contentsOfFile: out, encoding: .utf8).split(separator: "\n")
        try #require(lines.count > 50)
        let first = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as? [String: Any]
        #expect(Set(first?.keys.map { $0 } ?? []) == ["ts", "symbol", "kind", "price"])
        let w = try await run(["watch", "--headless", "--book", book, "--feed", "replay:\(out),speed=max"])
        #expect(w.status == 0, "\(w.stderr)")
        #expect(w.stdout.contains("\"type\":\"summary\""))
    }

    @Test func usageErrorsExit64() async throws {
        #expect(try await run(["snapshot"]).status == 64)
        #expect(try await run(["snapshot", "--book", "x", "--format", "yaml"]).status == 64)
        #expect(try await run(["frobnicate"]).status == 64)
        // Root options would shadow the subcommands' --store/--feed: the dashboard's live in its own subcommand.
        #expect(try await run(["dashboard", "--feed", "bogus:x"]).status == 64)
        let help = try await run(["snapshot", "--help"])
        #expect(help.status == 0 && help.stdout.contains("--as-of"))
        // The dashboard's help names the keys of distance to liquidation (issue 11) and the pause.
        let dashboard = try await run(["help", "dashboard"])
        #expect(dashboard.status == 0)
        for key in ["d sort by distance", "/dist<5%", "z pause"] {
            #expect(dashboard.stdout.replacingOccurrences(of: "\n", with: " ").contains(key), "\(dashboard.stdout)")
        }
    }
}
