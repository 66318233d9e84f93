import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12, item 8: at 80x24 the review dialog showed `STA…` and 10 of 25 marked accounts with
/// `… and 15 more`: the operator confirmed reviews of accounts never seen. STATE is whole now, the
/// list scrolls, and Enter shows the accounts not seen yet before it confirms.
@Suite struct ReviewDialogScrollTests {
    static let snap = Fixtures.snapshot()

    /// A state at 80x24 with `n` accounts marked (table order) and the dialog open with a note typed.
    static func dialog(marked n: Int, rows: Int = 24, cols: Int = 80) -> AppState {
        var s = Fixtures.state(rows: rows, cols: cols, snapshot: snap)
        for _ in 0..<n { _ = drive(&s, .key(.char(" "))) }
        _ = drive(&s, .key(.char("L")))
        for c in "call desk" { _ = drive(&s, .key(.char(c))) }
        return s
    }

    /// The text inside the dialog's box, row by row (the cells between its side borders).
    static func boxText(_ s: AppState) -> String {
        let b = render(s)
        guard let top = (0..<b.rows).first(where: { b.line($0).contains("┌─ Manual liquidation review") }),
            let left = (0..<b.cols).first(where: { b[top, $0].text == "┌" }),
            let right = (0..<b.cols).last(where: { b[top, $0].text == "┐" })
        else { return "" }
        var out: [String] = []
        for r in (top + 1)..<b.rows {
            guard b[r, left].text == "│" else { break }
            out.append(((left + 1)..<right).filter { !b[r, $0].isContinuation }.map { b[r, $0].text }.joined())
        }
        return out.joined(separator: "\n")
    }

    /// The accounts the dialog lists on screen.
    static func accountsOnScreen(_ s: AppState) -> Set<String> {
        let ids = Set(snap.accounts.ids)
        return Set(boxText(s).split(whereSeparator: { $0 == " " || $0 == "\n" }).map(String.init).filter(ids.contains))
    }

    @Test func stateIsWholeAtEightyColumns() {
        let s = Self.dialog(marked: 25)
        let text = Self.boxText(s)
        #expect(text.contains("STATE"))
        #expect(!text.contains("STA…"))
        for state in ["liquidatable", "bankrupt", "danger", "warning", "safe"] {
            #expect(!text.contains(state.prefix(3) + "…"))
        }
        #expect(text.contains("liquidatable"))
    }

    @Test func everyAccountShowsBeforeEnterConfirms() throws {
        var s = Self.dialog(marked: 25)
        let ids = try #require(s.dialog?.accountIds)
        #expect(ids.count == 25)
        var seen = Self.accountsOnScreen(s)
        #expect(seen.count < 25)
        #expect(render(s).text.contains("not shown yet"))
        // Enter pages on while accounts are unseen; it never opens reviews then.
        var pages = 0
        while s.dialog?.seenThrough ?? 0 < 24 {
            let effects = drive(&s, .key(.enter))
            #expect(effects.isEmpty && s.dialog?.phase == .editing, "Enter confirmed with accounts unseen")
            seen.formUnion(Self.accountsOnScreen(s))
            pages += 1
            try #require(pages < 10)
        }
        #expect(seen == Set(ids), "accounts never shown: \(Set(ids).subtracting(seen).sorted())")
        #expect(!render(s).text.contains("not shown yet"))
        // Now Enter confirms: the reviews open (with figures recomputed) for all 25.
        let effects = drive(&s, .key(.enter))
        guard case .openReviews(let opened, let note, _, let metrics) = effects.first else {
            Issue.record("no reviews opened: \(effects)")
            return
        }
        #expect(opened == ids && note == "call desk" && metrics.count == 25)
    }

    @Test func arrowsAndPagesScrollTheListAndLettersGoToTheNote() throws {
        var s = Self.dialog(marked: 25)
        let h = try #require(s.dialog.map { _ in Self.accountsOnScreen(s).count })
        _ = drive(&s, .key(.down))
        #expect(s.dialog?.scroll == 1)
        _ = drive(&s, .key(.pageDown))
        #expect(s.dialog?.scroll == h)  // 1 + a page of h - 1
        for _ in 0..<5 { _ = drive(&s, .key(.pageDown)) }
        #expect(s.dialog?.scroll == 25 - h)
        #expect(Self.boxText(s).contains("accounts \(25 - h + 1)-25 of 25"))
        _ = drive(&s, .key(.up))
        #expect(s.dialog?.scroll == 25 - h - 1)
        _ = drive(&s, .key(.pageUp))
        _ = drive(&s, .key(.pageUp))
        _ = drive(&s, .key(.pageUp))
        #expect(s.dialog?.scroll == 0)
        _ = drive(&s, .key(.char("j")))
        #expect(s.dialog?.note.text == "call deskj" && s.dialog?.scroll == 0)
    }

    /// A dialog whose accounts all fit confirms on the first Enter, as before.
    @Test func aShortListConfirmsAtOnce() {
        var s = Self.dialog(marked: 3)
        #expect(!render(s).text.contains("not shown yet"))
        let effects = drive(&s, .key(.enter))
        #expect(effects.contains { if case .openReviews = $0 { true } else { false } })
    }
}
