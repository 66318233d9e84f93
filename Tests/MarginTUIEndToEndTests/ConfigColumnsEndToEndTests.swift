import Foundation
import Testing
import ThreadTestSupport

/// Issue 12, item 16 on the real binary: `config.toml` sets the columns, the sort and the operator;
/// `--sort` on the command line wins over the file; `c` then hides a column in the running dashboard.
@Suite(.serialized, .timeLimit(.minutes(2)))
struct ConfigColumnsEndToEndTests {
    @Test(.enabled(if: E2E.tmuxAvailable))
    func configColumnsAndChooser() async throws {
        try await offThread { try Self.configColumnsBlocking() }
    }

    static func header(_ screen: String) -> String {
        String(screen.split(separator: "\n").first { $0.contains("ID") && $0.contains("STATE") } ?? "")
    }

    static func configColumnsBlocking() throws {
        let e2e = try E2E()
        let t = TmuxSession()
        defer { t.kill() }
        let config = e2e.home + "/desk.toml"
        try """
        operator = "desk-op"
        columns = ["state", "id", "dist", "ratio"]
        sort = "-equity"
        """.write(toFile: config, atomically: true, encoding: .utf8)
        try t.start(command: e2e.dashboard(["--config", config, "--sort", "distance"]), cols: 120, rows: 40)

        let first = try t.waitFor("the configured columns") { $0.contains("ACC-") && $0.contains("op desk-op") }
        let h = header(first)
        // The file's columns in its order (no NAME, no EQUITY); the command line's sort (distance), not the file's.
        let positions = ["STATE", "ID", "DIST", "RATIO"].compactMap { h.range(of: $0)?.lowerBound }
        #expect(positions.count == 4 && positions == positions.sorted(), "header: \(h)")
        #expect(!h.contains("NAME") && !h.contains("EQUITY"), "header: \(h)")
        #expect(h.contains("DIST↑") || h.contains("DIST↓"), "sorted by distance: \(h)")

        // The chooser: RATIO is the fourth line; hide it and apply.
        try t.keys("c")
        try t.waitFor(text: "[x] RATIO")
        try t.keys("j", "j", "j", "Space", "Enter")
        try t.waitFor("RATIO hidden") { screen in
            !screen.contains("[ ] RATIO") && screen.contains("ACC-") && !header(screen).contains("RATIO")
                && header(screen).contains("DIST")
        }
        try t.keys("q")
        try t.waitForExit(status: 0)
    }
}
