import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12 item 15: `z` pauses the rows (as htop's freeze): snapshots keep the figures current but
/// no longer re-sort the rows under the cursor; the header says PAUSED; `z` again resumes.
@Suite struct PauseTests {
    static let snap = Fixtures.snapshot()

    /// The next snapshot with the priority order turned round and account `a`'s equity changed.
    func moved(_ a: Int, equity: Double) -> LiveSnapshot {
        var s = Self.snap
        s.priority.reverse()
        s.accounts.equity[a] = equity
        s.time += 1
        return s
    }

    @Test func pausedRowsStayWhileFiguresUpdate() {
        var st = Fixtures.state(rows: 40, cols: 200, snapshot: Self.snap)
        _ = drive(&st, .key(.char("j")))
        let rows = st.tableRows
        let cursorAccount = st.selectedAccount
        _ = drive(&st, .key(.char("z")))
        #expect(st.paused)
        let a = rows[0]
        _ = drive(&st, .snapshot(moved(a, equity: 1_234_567)))
        #expect(st.tableRows == rows, "paused: the order stays")
        #expect(st.selectedAccount == cursorAccount)
        let screen = render(st).text
        let header = screen.split(separator: "\n").first.map(String.init) ?? ""
        #expect(header.contains("│ PAUSED │"), "\(header)")
        let firstRow = screen.split(separator: "\n").first { $0.contains(Self.snap.accounts.ids[a]) }
        #expect(firstRow?.contains("1,234,567") == true, "the figures are the new snapshot's: \(firstRow ?? "")")

        // Resume: the rows catch up with the snapshot's order.
        _ = drive(&st, .key(.char("z")))
        #expect(!st.paused)
        #expect(st.tableRows == Self.snap.priority.reversed())
        #expect(!(render(st).text.split(separator: "\n").first ?? "").contains("PAUSED"))
    }

    /// Unpaused, the same snapshot re-sorts the rows (what the pause holds back).
    @Test func unpausedRowsFollowTheSnapshot() {
        var st = Fixtures.state(rows: 40, cols: 200, snapshot: Self.snap)
        _ = drive(&st, .snapshot(moved(Self.snap.priority[0], equity: 1)))
        #expect(st.tableRows == Self.snap.priority.reversed())
    }

    /// A sort the operator asks for applies while paused; a book with other accounts is not held.
    @Test func explicitSortsApplyAndANewBookIsNotHeld() {
        var st = Fixtures.state(rows: 40, cols: 200, snapshot: Self.snap)
        _ = drive(&st, .key(.char("z")))
        _ = drive(&st, .key(.char("i")))
        #expect(st.paused)
        let byId = st.tableRows.map { Self.snap.accounts.ids[$0] }
        #expect(byId == byId.sorted())
        var other = Fixtures.snapshot(accounts: 30)
        other.time += 2
        _ = drive(&st, .snapshot(other))
        #expect(st.tableRows.count == 30, "other accounts: the rows are rebuilt")
    }
}
