import Foundation
import Testing
import ThreadTestSupport

/// Issue 12, item 7 on the real binary: without colour (`NO_COLOR=1`, `--theme monochrome`) the cursor
/// row is told apart on bankrupt and liquidatable rows, which are reverse video: it carries the `>`
/// marker and is bold and underlined, not reverse. Read from tmux's capture with attributes (`-e`).
@Suite(.serialized, .timeLimit(.minutes(2)))
struct CursorMonochromeEndToEndTests {
    /// Text attributes in effect at a point of a captured screen.
    struct Attributes: Equatable {
        var bold = false
        var underline = false
        var reverse = false
    }

    /// Each line of a `capture-pane -e` screen as plain text, with the attributes at the start of its
    /// first `ACC-` (tmux writes only changes, so the state carries from line to line).
    static func parse(_ raw: String) -> [(text: String, account: Attributes?)] {
        var out: [(String, Attributes?)] = []
        var attrs = Attributes()
        for line in raw.split(separator: "\n", omittingEmptySubsequences: false) {
            var text = ""
            var atAccount: Attributes?
            var chars = Array(line.unicodeScalars)[...]
            while let c = chars.popFirst() {
                if c == "\u{1B}", chars.first == "[" {
                    chars = chars.dropFirst()
                    var params = ""
                    while let p = chars.popFirst() {
                        if p == "m" || !(p == ";" || ("0"..."9").contains(p)) { break }
                        params.unicodeScalars.append(p)
                    }
                    for p in params.split(separator: ";", omittingEmptySubsequences: false) {
                        switch p {
                        case "", "0": attrs = Attributes()
                        case "1": attrs.bold = true
                        case "22": attrs.bold = false
                        case "4": attrs.underline = true
                        case "24": attrs.underline = false
                        case "7": attrs.reverse = true
                        case "27": attrs.reverse = false
                        default: break
                        }
                    }
                    continue
                }
                text.unicodeScalars.append(c)
                if atAccount == nil, text.hasSuffix("ACC-") { atAccount = attrs }
            }
            out.append((text, atAccount))
        }
        return out
    }

    @Test(.enabled(if: E2E.tmuxAvailable), arguments: ["NO_COLOR", "monochrome"])
    func cursorIsDistinguishableOnReverseRows(mode: String) async throws {
        try await offThread { try Self.cursorBlocking(mode: mode) }
    }

    static func cursorBlocking(mode: String) throws {
        let e2e = try E2E()
        let t = TmuxSession()
        defer { t.kill() }
        let command =
            mode == "NO_COLOR"
            ? "NO_COLOR=1 " + e2e.dashboard(["--operator", "e2e"])
            : e2e.dashboard(["--operator", "e2e", "--theme", "monochrome"])
        try t.start(command: command, cols: 120, rows: 40)
        func bankrupt(_ screen: String) -> [Substring] {
            screen.split(separator: "\n").filter { $0.contains("ACC-") && $0.hasSuffix("bankrupt") }
        }
        let first = try t.waitFor("the table") { $0.contains("ticks/s") && !bankrupt($0).isEmpty }
        let bankruptRows = bankrupt(first)

        // The cursor starts on the first row (bankrupt), then goes to the first liquidatable row.
        try check(t, state: "bankrupt", mode: mode)
        for _ in bankruptRows { try t.keys("j") }
        try t.waitFor("the cursor on a liquidatable row") { screen in
            screen.split(separator: "\n").contains { $0.hasPrefix(">") && $0.contains("liquidatable") }
        }
        try check(t, state: "liquidatable", mode: mode)
        try t.keys("q")
        try t.waitForExit(status: 0)
    }

    /// The cursor row (in `state`) is marked, bold and underlined, not reverse; the other rows in that state are reverse.
    static func check(_ t: TmuxSession, state: String, mode: String) throws {
        let raw = try t.tmux(["capture-pane", "-e", "-p", "-t", t.target])
        let lines = parse(raw).filter {
            $0.account != nil && $0.text.trimmingCharacters(in: .whitespaces).hasSuffix(state)
        }
        let cursor = lines.filter { $0.text.hasPrefix(">") }
        try #require(cursor.count == 1, "\(mode): one cursor row among the \(state) rows:\n\(lines.map(\.text))")
        let a = try #require(cursor[0].account)
        #expect(a.bold && a.underline && !a.reverse, "\(mode): cursor on a \(state) row drawn \(a)")
        let others = lines.filter { !$0.text.hasPrefix(">") }
        #expect(!others.isEmpty)
        for o in others {
            #expect(o.account?.reverse == true, "\(mode): a \(state) row not in reverse video: \(o.text)")
        }
    }
}
