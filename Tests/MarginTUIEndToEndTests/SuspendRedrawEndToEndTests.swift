import Foundation
import Testing
import ThreadTestSupport

/// Issue 12, item 6 on the real binary: a shell in tmux runs the dashboard as a job. Started in the
/// background and brought back with `fg`, stopped with Ctrl-Z and brought back, and written over by
/// something else on the tty, the dashboard ends up whole (a full repaint, Ctrl-L for the last).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct SuspendRedrawEndToEndTests {
    static let cols = 120
    static let rows = 40

    /// Whether `screen` is a whole overview: the title bar on top, the footer at the bottom, and every
    /// table row a well-formed account row (an id, figures, a state at the end); nothing of the shell.
    static func isWhole(_ screen: String) -> Bool {
        let lines = screen.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard lines.count >= rows, lines[0].contains("overview │"),
            lines[rows - 1].hasPrefix(" q quit  ? help"), lines.contains(where: { $0.contains("ID (prio)") })
        else { return false }
        let row = /^[ >][ +~][ ~]ACC-\d{6}  .*\d.* (safe|warning|danger|liquidat|bankrupt|error)\S*\s*$/
        let table = lines.filter { $0.contains("ACC-") }
        // 40 rows: title, counts, two strip rows and the header above, the footer below; one cursor row.
        return table.count == rows - 6 && table.allSatisfy { $0.wholeMatch(of: row) != nil }
            && table.filter { $0.hasPrefix(">") }.count == 1
            && !screen.contains("SHELL-WROTE") && !screen.contains("GARBAGE") && !screen.contains("mt>")
    }

    @Test(.enabled(if: E2E.tmuxAvailable))
    func backgroundStartStopAndGarbageEndWhole() async throws {
        try await offThread { try Self.backgroundStartStopAndGarbageBlocking() }
    }

    static func backgroundStartStopAndGarbageBlocking() throws {
        let e2e = try E2E()
        let t = TmuxSession()
        defer { t.kill() }
        let env = e2e.environment.merging(["PS1": "mt> "]) { $1 }.sorted { $0.key < $1.key }
            .map { "\($0.key)=\(E2E.quote($0.value))" }.joined(separator: " ")
        try t.start(command: "env \(env) bash --norc --noprofile", cols: cols, rows: rows)
        try t.waitFor(text: "mt>")

        // Started in the background: it draws nothing over the shell; `fg` brings a whole screen.
        try t.literal("\(E2E.quote(E2E.binary)) --operator e2e &")
        try t.keys("Enter")
        try t.waitFor(text: "[1] ")
        try t.literal("echo SHELL-WROTE-THIS; fg")
        try t.keys("Enter")
        try t.waitFor("a whole overview after fg", timeout: 30) { isWhole($0) }

        // Ctrl-Z gives the shell its screen back; the shell writes; `fg` brings a whole screen again, twice.
        for round in 1...2 {
            try t.keys("C-z")
            try t.waitFor("the shell after Ctrl-Z (round \(round))") { $0.contains("Stopped") && $0.contains("mt>") }
            try t.literal("clear; echo SHELL-WROTE-THIS; fg")
            try t.keys("Enter")
            try t.waitFor("a whole overview after fg (round \(round))") { isWhole($0) }
        }

        // Something else writes over the screen (on the footer, which does not change by itself):
        // it stays until Ctrl-L repaints everything.
        let tty = t.display("#{pane_tty}")
        let handle = try #require(FileHandle(forWritingAtPath: tty), "cannot open \(tty)")
        try handle.write(contentsOf: Data("\u{1B}[\(rows);1HGARBAGE GARBAGE GARBAGE\u{1B}[10;30HGARBAGE".utf8))
        try handle.close()
        try t.waitFor(text: "GARBAGE GARBAGE")
        try t.keys("C-l")
        try t.waitFor("a whole overview after Ctrl-L") { isWhole($0) }

        try t.keys("q")
        try t.waitFor("the shell after q") { $0.contains("mt>") && !$0.contains("ACC-") }
    }
}
