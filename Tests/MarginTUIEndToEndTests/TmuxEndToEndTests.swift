import Foundation
import Testing

/// Drives the real binary in a private tmux server at a fixed size, polling
/// `capture-pane` for each expected screen (never fixed sleeps; every wait has a timeout).
///
/// `MARGINTOP_TUI_BIN` points at the binary (default: this package's `.build/debug/margintop-tui`);
/// `MARGINTOP_TUI_ARGS` replaces the arguments (`{reviews}` is the review file's path).
final class TmuxSession {
    struct Failure: Error, CustomStringConvertible { var description: String }

    let socket = "mt-e2e-\(ProcessInfo.processInfo.processIdentifier)-\(UInt32.random(in: 0...UInt32.max))"
    let target = "main"

    /// Runs tmux with posix_spawn + waitpid (Foundation's Process can miss the child's exit here),
    /// stdout to a file (the server forked by new-session would hold a pipe open forever).
    @discardableResult
    func tmux(_ args: [String]) throws -> String {
        let outPath = NSTemporaryDirectory() + "mt-e2e-out-\(UUID().uuidString)"
        defer { unlink(outPath) }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let argv = ["tmux", "-L", socket, "-f", "/dev/null"] + args
        var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
        defer { for p in cargs { free(p) } }
        var pid: pid_t = 0
        let rc = posix_spawnp(&pid, "tmux", &actions, nil, &cargs, environ)
        guard rc == 0 else { throw Failure(description: "cannot run tmux: error \(rc)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
        let exited = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let data = FileManager.default.contents(atPath: outPath) ?? Data()
        guard exited == 0 else { throw Failure(description: "tmux \(args.joined(separator: " ")) exited \(exited)") }
        return String(decoding: data, as: UTF8.self)
    }

    func start(command: String, cols: Int, rows: Int) throws {
        try tmux(["new-session", "-d", "-s", target, "-x", "\(cols)", "-y", "\(rows)", command])
        try tmux(["set-option", "-t", target, "remain-on-exit", "on"])
    }

    func capture() -> String { (try? tmux(["capture-pane", "-p", "-t", target])) ?? "" }

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
    func waitFor(text: String, timeout: Double = 20) throws -> String { try waitFor("'\(text)'", timeout: timeout) { $0.contains(text) } }

    func keys(_ keys: String...) throws { try tmux(["send-keys", "-t", target] + keys) }
    func literal(_ text: String) throws { try tmux(["send-keys", "-t", target, "-l", text]) }
    func resize(cols: Int, rows: Int) throws { try tmux(["resize-window", "-t", target, "-x", "\(cols)", "-y", "\(rows)"]) }
    func display(_ format: String) -> String { ((try? tmux(["display-message", "-p", "-t", target, format])) ?? "").trimmingCharacters(in: .whitespacesAndNewlines) }
    func kill() { _ = try? tmux(["kill-server"]) }
}

enum E2E {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }
    static var binary: String {
        ProcessInfo.processInfo.environment["MARGINTOP_TUI_BIN"] ?? packageRoot.appendingPathComponent(".build/debug/margintop-tui").path
    }
    static func command(reviews: String) -> String {
        let args = ProcessInfo.processInfo.environment["MARGINTOP_TUI_ARGS"]
            ?? "--accounts 400 --rate 50 --operator e2e --review-file {reviews}"
        let bin = "'" + binary.replacingOccurrences(of: "'", with: "'\\''") + "'"
        return "TERM=xterm-256color \(bin) \(args.replacingOccurrences(of: "{reviews}", with: reviews)); echo MARGINTOP_EXIT=$?"
    }
    static var tmuxAvailable: Bool { FileManager.default.isExecutableFile(atPath: "/usr/bin/tmux") }
    static func tempReviews() -> String {
        NSTemporaryDirectory() + "margintop-e2e-\(UUID().uuidString)/reviews.jsonl"
    }
}

@Suite(.serialized, .timeLimit(.minutes(1)))
struct TmuxEndToEndTests {
    @Test(.enabled(if: E2E.tmuxAvailable))
    func fullOperatorSession() async throws {
        try await offThread { try Self.fullOperatorSessionBlocking() }
    }

    static func fullOperatorSessionBlocking() throws {
        try #require(FileManager.default.isExecutableFile(atPath: E2E.binary), "no binary at \(E2E.binary): run swift build or set MARGINTOP_TUI_BIN")
        let t = TmuxSession()
        defer { t.kill() }
        let reviews = E2E.tempReviews()
        try t.start(command: E2E.command(reviews: reviews), cols: 160, rows: 48)

        // Start: the table in liquidation-priority order, the worst state first.
        let first = try t.waitFor("the overview") { $0.contains("ticks/s") && $0.contains("ID (prio)") && $0.contains("ACC-") }
        let rows = first.split(separator: "\n").filter { $0.contains("ACC-") }
        #expect(rows.first.map { $0.contains("bankrupt") || $0.contains("liquidatable") } == true, "first row: \(rows.first ?? "")")

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
        try t.waitFor("filter cleared") { !$0.contains("filter: danger") && $0.contains("safe") && $0.contains("ID (prio)") }

        // Drill into the top account, try a what-if, come back.
        try t.keys("g", "Enter")
        try t.waitFor("the drill-down") { $0.contains("COLLATERAL") && $0.contains("LIQUIDATION PRICES") && $0.contains("│ account │") }
        try t.keys("-")
        try t.waitFor(text: "HYPOTHETICAL")
        try t.keys("Escape")
        try t.waitFor(text: "ID (prio)")

        // Open a review with a note and confirm; "stored" only once the store returned.
        try t.keys("L")
        try t.waitFor(text: "Manual liquidation review")
        try t.literal("e2e note 42")
        try t.waitFor(text: "e2e note 42")
        try t.keys("Enter")
        try t.waitFor(text: "stored rev-")
        let file = try String(contentsOfFile: reviews, encoding: .utf8)
        #expect(file.contains("\"note\":\"e2e note 42\"") && file.contains("\"operator\":\"e2e\""))
        try t.keys("Escape")
        try t.waitFor("dialog closed") { !$0.contains("Manual liquidation review") }

        // Resize: smaller, too small, back.
        try t.resize(cols: 100, rows: 30)
        try t.waitFor("100x30 layout") { s in s.contains("ID (prio)") && s.split(separator: "\n").count <= 30 }
        try t.resize(cols: 60, rows: 20)
        try t.waitFor(text: "Terminal too small: 60x20")
        try t.resize(cols: 160, rows: 48)
        try t.waitFor(text: "ID (prio)")

        // Quit: exit status 0 and the terminal back to normal (no alternate screen).
        try t.keys("q")
        try t.waitFor(text: "MARGINTOP_EXIT=0")
        #expect(t.display("#{alternate_on}") == "0")
    }

    @Test(.enabled(if: E2E.tmuxAvailable))
    func sigtermRestoresTheTerminal() async throws {
        try await offThread { try Self.sigtermRestoresTheTerminalBlocking() }
    }

    static func sigtermRestoresTheTerminalBlocking() throws {
        let t = TmuxSession()
        defer { t.kill() }
        try t.start(command: E2E.command(reviews: E2E.tempReviews()), cols: 120, rows: 40)
        try t.waitFor(text: "ticks/s")
        #expect(t.display("#{alternate_on}") == "1")
        let shell = t.display("#{pane_pid}")
        let children = (try? String(contentsOfFile: "/proc/\(shell)/task/\(shell)/children", encoding: .utf8)) ?? ""
        let pid = try #require(children.split(separator: " ").first.flatMap { Int32($0) })
        kill(pid, SIGTERM)
        try t.waitFor(text: "MARGINTOP_EXIT=0")
        #expect(t.display("#{alternate_on}") == "0")
    }
}
