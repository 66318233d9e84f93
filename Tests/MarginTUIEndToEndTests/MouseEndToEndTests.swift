import Foundation
import Testing
import ThreadTestSupport

/// Issue 12, item 17 on the real binary: SGR mouse sequences written into the pane by tmux
/// (`send-keys -l`, as a terminal sends them once the app turns mouse reporting on) select a row,
/// sort by a header, scroll with the wheel and drill in with a double click; `--no-mouse` leaves mouse
/// reporting off (tmux's pane flags).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct MouseEndToEndTests {
    @Test(.enabled(if: E2E.tmuxAvailable))
    func clicksWheelAndDoubleClick() async throws {
        try await offThread { try Self.mouseBlocking() }
    }

    /// A press and release of the left button at a 0-based cell, in SGR encoding (1-based).
    static func click(row: Int, col: Int) -> String {
        "\u{1B}[<0;\(col + 1);\(row + 1)M\u{1B}[<0;\(col + 1);\(row + 1)m"
    }

    static func cursorRow(_ screen: String) -> Int? {
        screen.split(separator: "\n", omittingEmptySubsequences: false).firstIndex { $0.hasPrefix(">") }
    }

    static func mouseBlocking() throws {
        let e2e = try E2E()
        let t = TmuxSession()
        defer { t.kill() }
        try t.start(command: e2e.dashboard(["--operator", "e2e"]), cols: 120, rows: 40)
        // Live (no data banner above the table: the header on the fifth line, under the two strip rows).
        let first = try t.waitFor("the live table") { screen in
            let l = screen.split(separator: "\n", omittingEmptySubsequences: false)
            return screen.contains("ticks/s") && l.count > 5 && l[4].contains("ID (prio)") && l[5].hasPrefix(">  ")
        }
        #expect(t.display("#{mouse_sgr_flag}") == "1", "the dashboard asks for SGR mouse reporting")
        let lines = first.split(separator: "\n", omittingEmptySubsequences: false)
        let headerRow = try #require(lines.firstIndex { $0.contains("ID (prio)") })
        let top = try #require(cursorRow(first))
        #expect(top == headerRow + 1)

        // A click on the fifth row selects it.
        try t.literal(click(row: top + 4, col: 5))
        try t.waitFor("the cursor on the fifth row") { cursorRow($0) == top + 4 }
        // The wheel: three rows down.
        try t.literal("\u{1B}[<65;6;\(top + 5)M")
        try t.waitFor("the cursor three rows lower") { cursorRow($0) == top + 7 }
        // A click on the EQUITY header sorts by it.
        let header = String(lines[headerRow])
        let equity = header.distance(from: header.startIndex, to: try #require(header.range(of: "EQUITY")).lowerBound)
        try t.literal(click(row: headerRow, col: equity + 1))
        try t.waitFor(text: "EQUITY↓")
        // A double click on the second row drills into it: the second click once the first is read (in one
        // write, ncurses merges the two into one press; a terminal writes each as it happens).
        try t.literal(click(row: top + 1, col: 5))
        try t.waitFor("the first click read", timeout: 0.4) { cursorRow($0) == top + 1 }
        try t.literal(click(row: top + 1, col: 5))
        try t.waitFor("the drill-down") { $0.split(separator: "\n").first?.contains("account │") == true }
        try t.keys("q")
        try t.waitForExit(status: 0)

        let off = TmuxSession()
        defer { off.kill() }
        try off.start(command: e2e.dashboard(["--operator", "e2e", "--no-mouse"]), cols: 120, rows: 40)
        try off.waitFor("the table") { $0.contains("ticks/s") && cursorRow($0) != nil }
        #expect(off.display("#{mouse_sgr_flag}#{mouse_standard_flag}#{mouse_any_flag}") == "000")
        try off.keys("q")
        try off.waitForExit(status: 0)
    }
}
