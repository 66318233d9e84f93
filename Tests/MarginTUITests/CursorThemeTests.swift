import Foundation
import MarginCore
import MarginTUI
import MarginTUITestSupport
import Testing

/// The cursor is always distinguishable (issue 12, item 7): a `>` marker on its row, and without colour
/// (`NO_COLOR`, `--theme monochrome`, a terminal without colours) a style no state row has — not the
/// reverse video of liquidatable and bankrupt rows.
@Suite struct CursorThemeTests {
    /// Roles a whole row is drawn in (a marked row's `+` cell is in `.marked`, beside the cursor's `>`).
    static let rowRoles: [Role] = [.safe, .warning, .danger, .liquidatable, .bankrupt, .stale, .flash]

    static func themes() throws -> [(String, Theme)] {
        var out = [("monochrome", try Theme.load("monochrome", environment: [:]))]
        for name in Theme.builtinNames {
            out.append(("NO_COLOR \(name)", try Theme.load(name, environment: ["NO_COLOR": "1"])))
        }
        return out
    }

    @Test func withoutColourTheCursorStyleIsNoRowStyle() throws {
        for (label, theme) in try Self.themes() {
            let cursor = theme.style(.selected)
            for role in Self.rowRoles {
                #expect(cursor != theme.style(role), "\(label): the cursor looks like a \(role) row")
            }
            #expect(!cursor.reverse, "\(label): reverse video is what liquidatable and bankrupt rows use")
            #expect(cursor.bold && cursor.underline, "\(label)")
            for role in Role.allCases {
                #expect(theme.style(role).fg == .terminalDefault && theme.style(role).bg == .terminalDefault)
            }
        }
    }

    @Test func statesStayApartWithoutColour() throws {
        let theme = try Theme.load("default", environment: ["NO_COLOR": "1"])
        let states: [Role] = [.safe, .warning, .danger, .liquidatable, .bankrupt]
        #expect(Set(states.map { "\(theme.style($0))" }).count == states.count)
    }

    @Test func cursorRowCarriesTheMarker() throws {
        let snap = Fixtures.snapshot()
        var s = Fixtures.state(rows: 40, cols: 120, snapshot: snap)
        let k = try #require(s.tableRows.firstIndex { snap.accounts.state[$0] == .liquidatable })
        for _ in 0..<k { _ = drive(&s, .key(.char("j"))) }
        let b = render(s)
        let top = Layout.tableTop(s)
        let lines = b.text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines[top + k].hasPrefix(">"), "cursor row: \(lines[top + k])")
        #expect(b[top + k, 0].role == .selected)
        // Every other row has no marker.
        for r in top..<(b.rows - 1) where r != top + k { #expect(!lines[r].hasPrefix(">")) }
    }
}
