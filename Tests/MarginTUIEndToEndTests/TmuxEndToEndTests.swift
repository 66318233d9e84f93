import Foundation
import StoreTestSupport
import Testing
import ThreadTestSupport

/// Drives the real binary in a private tmux server at a fixed size, polling
/// `capture-pane` for each expected screen (never fixed sleeps; every wait has a timeout).
///
/// `MARGINTOP_BIN` points at the binary (default: this package's `.build/debug/margintop`).
final class TmuxSession {
    struct Failure: Error, CustomStringConvertible { var description: String }

    let socket = "mt-e2e-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
    let target = "main"

    /// Runs tmux with `Spawn` (posix_spawn + waitpid, a clean signal mask, output to a file: the
    /// server forked by new-session would hold a pipe open forever, and Foundation's Process can
    /// miss the child's exit here).
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let r = try Spawn.run("/usr/bin/tmux", ["-L", socket, "-f", "/dev/null"] + args, timeout: 20)
        guard r.status == 0 else {
            throw Failure(description: "tmux \(args.joined(separator: " ")) exited \(r.status)")
        }
        return r.stdout
    }

    func start(command: String, cols: Int, rows: Int) throws {
        try tmux(["new-session", "-d", "-s", target, "-x", "\(cols)", "-y", "\(rows)", command])
        try tmux(["set-option", "-t", target, "remain-on-exit", "on"])
    }

    func capture() -> String { (try? tmux(["capture-pane", "-p", "-t", target])) ?? "" }

    /// Waits for the shell's `MARGINTOP_EXIT=<status>` line, looking in the scrollback too: tmux's
    /// "Pane is dead" line can push it off the screen.
    func waitForExit(status: Int, timeout: Double = 20) throws {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = (try? tmux(["capture-pane", "-p", "-S", "-200", "-t", target])) ?? ""
            if last.contains("MARGINTOP_EXIT=\(status)") { return }
            usleep(50_000)
        }
        throw Failure(
            description: "timed out after \(timeout)s waiting for MARGINTOP_EXIT=\(status); pane was:\n\(last)")
    }

    /// Polls until `predicate` holds for the pane text; fails with the last screen after `timeout` seconds.
    @discardableResult
    func waitFor(_ what: String, timeout: Double = 20, _ predicate: (String) -> Bool) throws -> String {
        let deadline = Date().addingTimeInterval(timeout)
        var last = ""
        while Date() < deadline {
            last = capture()
            if predicate(last) { return last }
            usleep(50_000)
        }
        throw Failure(description: "timed out after \(timeout)s waiting for \(what); screen was:\n\(last)")
    }

    @discardableResult
    func waitFor(text: String, timeout: Double = 20) throws -> String {
        try waitFor("'\(text)'", timeout: timeout) { $0.contains(text) }
    }

    func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", target] + keys) }
    func literal(_ text: String) throws { try tmux(["send-keys", "-t", target, "-l", text]) }
    func resize(cols: Int, rows: Int) throws {
        try tmux(["resize-window", "-t", target, "-x", "\(cols)", "-y", "\(rows)"])
    }
    func display(_ format: String) -> String {
        ((try? tmux(["display-message", "-p", "-t", target, format])) ?? "").trimmingCharacters(
            in: .whitespacesAndNewlines)
    }
    func kill() { _ = try? tmux(["kill-server"]) }
}

/// The real `margintop` binary on a private data directory: its embedded SQLite store is
/// created and seeded on first run, exactly as for a new user.
struct E2E {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }
    static var binary: String {
        ProcessInfo.processInfo.environment["MARGINTOP_BIN"]
            ?? packageRoot.appendingPathComponent(".build/debug/margintop").path
    }
    static var tmuxAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }

    /// A fresh home for one test: data (the store) and state (the log) directories inside it.
    /// Throws when there is no binary to run.
    let home: String
    init() throws {
        guard FileManager.default.isExecutableFile(atPath: E2E.binary) else {
            throw TmuxSession.Failure(description: "no binary at \(E2E.binary): run swift build or set MARGINTOP_BIN")
        }
        home = NSTemporaryDirectory() + "margintop-e2e-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
    }
    var storePath: String { home + "/data/margintop/margintop.sqlite" }
    var environment: [String: String] {
        ["XDG_DATA_HOME": home + "/data", "XDG_STATE_HOME": home + "/state", "TERM": "xterm-256color"]
    }

    static func quote(_ s: String) -> String { "'" + s.replacingOccurrences(of: "'", with: "'\\''") + "'" }

    /// The shell command tmux runs: the dashboard, then its exit status on the pane.
    func dashboard(_ args: [String]) -> String {
        let env = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(E2E.quote($0.value))" }.joined(
            separator: " ")
        return "\(env) \(E2E.quote(E2E.binary)) \(args.map(E2E.quote).joined(separator: " ")); echo MARGINTOP_EXIT=$?"
    }

    /// Runs a margintop subcommand to completion in this home (stdout returned; non-zero status throws).
    func run(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: E2E.binary)
        p.arguments = args
        p.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else {
            throw TmuxSession.Failure(
                description: "margintop \(args.joined(separator: " ")) exited \(p.terminationStatus): "
                    + String(decoding: e, as: UTF8.self))
        }
        return String(decoding: o, as: UTF8.self)
    }

    /// Display width of a line as a terminal lays it out (East Asian wide characters take two cells).
    static func displayWidth(_ line: Substring) -> Int {
        line.unicodeScalars.reduce(0) { w, u in
            let v = u.value
            let wide =
                (0x1100...0x115F).contains(v) || (0x2E80...0xA4CF).contains(v) || (0xAC00...0xD7A3).contains(v)
                || (0xF900...0xFAFF).contains(v) || (0xFF00...0xFF60).contains(v) || (0xFFE0...0xFFE6).contains(v)
            return w + (wide ? 2 : 1)
        }
    }
}

@Suite(.serialized, .timeLimit(.minutes(2)))
struct TmuxEndToEndTests {
    @Test(.enabled(if: E2E.tmuxAvailable))
    func fullOperatorSession() async throws {
        try await offThread { try Self.fullOperatorSessionBlocking() }
    }

    static func fullOperatorSessionBlocking() throws {
        let e2e = try E2E()
        #expect(!FileManager.default.fileExists(atPath: e2e.storePath))
        let t = TmuxSession()
        defer { t.kill() }
        // No options: the embedded store (created and seeded here) and the simulated feed.
        try t.start(command: e2e.dashboard(["--operator", "e2e"]), cols: 160, rows: 48)

        // Start: the table in liquidation-priority order, the worst state first.
        // The header shows the store and the feed once it is live (it says "connecting" first).
        let first = try t.waitFor("the overview, feed live") { screen in
            screen.contains("ticks/s") && screen.contains("ID (prio)") && screen.contains("ACC-")
                && screen.contains("store connected") && screen.contains("feed sim")
        }
        let rows = first.split(separator: "\n").filter { $0.contains("ACC-") }
        #expect(
            rows.first.map { $0.contains("bankrupt") || $0.contains("liquidatable") } == true,
            "first row: \(rows.first ?? "")")
        #expect(
            FileManager.default.fileExists(atPath: e2e.storePath),
            "the default store was not created at \(e2e.storePath)")

        // Sort by equity, then reverse.
        try t.keys("e")
        try t.waitFor(text: "EQUITY↓")
        try t.keys("e")
        try t.waitFor(text: "EQUITY↑")
        try t.keys("p")
        try t.waitFor(text: "ID (prio)")

        // Filter by state.
        try t.keys("/")
        try t.literal("danger")
        try t.keys("Enter")
        try t.waitFor("only danger rows") { screen in
            let r = screen.split(separator: "\n").filter { $0.contains("ACC-") }
            return screen.contains("filter: danger") && !r.isEmpty && r.allSatisfy { $0.contains("danger") }
        }
        try t.keys("Escape")
        try t.waitFor("filter cleared") {
            !$0.contains("filter: danger") && $0.contains("safe") && $0.contains("ID (prio)")
        }

        // Drill into the top account, try a what-if and reset it.
        try t.keys("g", "Enter")
        let drill = try t.waitFor("the drill-down") {
            // The top account is liquidatable: its prices are the recovery prices (issue 12, item 19).
            $0.contains("COLLATERAL") && $0.contains("RECOVERY PRICES") && $0.contains("│ account │")
        }
        let account = try #require(
            drill.split(separator: "\n").dropFirst().first?
                .split(separator: " ").first { $0.hasPrefix("ACC-") }.map(String.init), "no account id on:\n\(drill)")
        try t.keys("-")
        try t.waitFor(text: "HYPOTHETICAL")
        try t.keys("0")
        try t.waitFor("the what-if reset") { !$0.contains("HYPOTHETICAL") }

        // Open a review of it with a note and confirm; "stored" only once the store committed.
        try t.keys("L")
        try t.waitFor(text: "Manual liquidation review")
        try t.literal("e2e note; 'quoted' 42")
        try t.waitFor(text: "e2e note; 'quoted' 42")
        try t.keys("Enter")
        try t.waitFor(text: " stored ")
        // The review is in the store, from another process, with the metrics of the moment.
        let listed = try e2e.run(["review", "list", "--format", "json", "--store", "sqlite:" + e2e.storePath])
        let doc = try #require(try JSONSerialization.jsonObject(with: Data(listed.utf8)) as? [String: Any])
        let reviews = try #require(doc["reviews"] as? [[String: Any]])
        #expect(reviews.count == 1)
        let review = try #require(reviews.first)
        #expect(review["account"] as? String == account)
        #expect(review["status"] as? String == "open")
        #expect(review["openedBy"] as? String == "e2e")
        let opened = try #require((review["transitions"] as? [[String: Any]])?.first)
        #expect(opened["note"] as? String == "e2e note; 'quoted' 42")
        let metrics = try #require(opened["metrics"] as? [String: Any])
        #expect(metrics["equity"] is Double && metrics["maintenanceMargin"] is Double)
        #expect(["liquidatable", "bankrupt"].contains(metrics["state"] as? String ?? ""), "metrics: \(metrics)")
        try t.keys("Escape")
        try t.waitFor("dialog closed") { !$0.contains("Manual liquidation review") }
        try t.keys("Escape")
        try t.waitFor(text: "ID (prio)")

        // The review queue shows it.
        try t.keys("R")
        try t.waitFor("the review queue") { $0.contains(account) && $0.contains("open") && $0.contains("e2e") }
        try t.keys("Escape")
        try t.waitFor(text: "ID (prio)")

        // Resize: smaller, too small, back.
        try t.resize(cols: 100, rows: 30)
        try t.waitFor("100x30 layout") { s in s.contains("ID (prio)") && s.split(separator: "\n").count <= 30 }
        try t.resize(cols: 60, rows: 20)
        try t.waitFor(text: "Terminal too small: 60x20")
        try t.resize(cols: 160, rows: 48)
        try t.waitFor(text: "ID (prio)")

        // Quit: exit status 0 and the terminal back to normal (no alternate screen).
        try t.keys("q")
        try t.waitForExit(status: 0)
        #expect(t.display("#{alternate_on}") == "0")
    }

    /// Account names from the store with an OSC escape sequence and with CJK characters:
    /// the sequence never reaches the terminal (the pane title stays), the wide name keeps the columns.
    @Test(.enabled(if: E2E.tmuxAvailable))
    func hostileAndWideNamesKeepTheLayout() async throws {
        try await offThread { try Self.hostileAndWideNamesBlocking() }
    }

    static func hostileAndWideNamesBlocking() throws {
        let e2e = try E2E()
        var book = try e2e.run(["demo-book", "--accounts", "40", "--seed", "3", "--pretty"])
        // The first two account names after "accounts": one hostile, one wide and long.
        let names = ["\\u001b]0;pwned\\u0007", "日本語の口座名前テスト長い名前です株式会社"]
        var from = try #require(book.range(of: "\"accounts\"")).upperBound
        for name in names {
            let r = try #require(
                book.range(of: #""name": "[^"]*""#, options: .regularExpression, range: from..<book.endIndex))
            book.replaceSubrange(r, with: "\"name\": \"\(name)\"")
            from = book.index(r.lowerBound, offsetBy: 10)
        }
        let bookPath = e2e.home + "/names.json"
        try book.write(toFile: bookPath, atomically: true, encoding: .utf8)
        let store = "sqlite:" + e2e.home + "/names.sqlite"
        _ = try e2e.run(["import", bookPath, "--store", store])

        let t = TmuxSession()
        defer { t.kill() }
        try t.start(
            command: e2e.dashboard(["--store", store, "--operator", "e2e", "--feed", "sim:rate=20"]), cols: 160,
            rows: 48)
        // A whole screen: tmux can be read while a redraw is half written (a CI run once caught a row
        // cut after its DIST bar), so every account row must have reached its state word.
        let states = ["bankrupt", "liquidatable", "danger", "warning", "safe"]
        let screen = try t.waitFor("the wide name on a whole screen") { screen in
            screen.contains("ID (prio)") && screen.contains("日本語") && screen.contains(" q quit")
                && screen.split(separator: "\n").filter { $0.contains("ACC-") }.allSatisfy { row in
                    states.contains { row.contains($0) }
                }
        }
        #expect(t.display("#{pane_title}") != "pwned")
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.allSatisfy { E2E.displayWidth($0) <= 160 }, "a line overflows:\n\(screen)")
        // The wide name is truncated with an ellipsis and the columns after it stay in place:
        // the row's state word ends where the other rows' do.
        let wide = try #require(lines.first { $0.contains("日本語") })
        #expect(wide.contains("…"))
        let header = try #require(lines.first { $0.contains("ID (prio)") })
        let stateColumn = E2E.displayWidth(header[..<(try #require(header.range(of: "STATE"))).lowerBound])
        let accountRows = lines.filter { $0.contains("ACC-") }
        #expect(accountRows.count > 5)
        for row in accountRows {
            let hit = try #require(states.compactMap { row.range(of: $0) }.first, "no state in \(row)")
            #expect(E2E.displayWidth(row[..<hit.lowerBound]) == stateColumn, "misaligned row: \(row)")
        }
        // The hostile name shows with its control characters made visible, not executed.
        #expect(screen.contains("]0;pwned"))
        try t.keys("q")
        try t.waitForExit(status: 0)
    }

    @Test(.enabled(if: E2E.tmuxAvailable))
    func sigtermRestoresTheTerminal() async throws {
        try await offThread { try Self.sigtermRestoresTheTerminalBlocking() }
    }

    static func sigtermRestoresTheTerminalBlocking() throws {
        let e2e = try E2E()
        let t = TmuxSession()
        defer { t.kill() }
        try t.start(command: e2e.dashboard(["--operator", "e2e"]), cols: 120, rows: 40)
        try t.waitFor(text: "ticks/s")
        #expect(t.display("#{alternate_on}") == "1")
        let shell = t.display("#{pane_pid}")
        let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
        let pid = try #require(children.split(separator: " ").first.flatMap { Int32($0) })
        kill(pid, SIGTERM)
        try t.waitForExit(status: 0)
        #expect(t.display("#{alternate_on}") == "0")
    }
}
