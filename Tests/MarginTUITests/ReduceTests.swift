import Foundation
import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

@Suite struct ReduceTests {
    static let snap = Fixtures.snapshot()

    @Test func startsInPriorityOrder() {
        let s = Fixtures.state(snapshot: Self.snap)
        #expect(s.tableRows == Self.snap.priority)
        #expect(s.sort == .priority)
        #expect(s.cursor == 0)
    }

    @Test func cursorMovesWithViAndArrowKeys() {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = press(&s, .char("j"), .down, .char("j"))
        #expect(s.cursor == 3)
        _ = press(&s, .char("k"), .up)
        #expect(s.cursor == 1)
        _ = press(&s, .char("G"))
        #expect(s.cursor == s.tableRows.count - 1)
        _ = press(&s, .char("g"))
        #expect(s.cursor == 0)
        _ = press(&s, .pageDown)
        #expect(s.cursor == Layout.tableHeight(s))
        _ = press(&s, .pageUp)
        #expect(s.cursor == 0)
        _ = press(&s, .up)
        #expect(s.cursor == 0)
    }

    @Test func sortKeyThenAgainReverses() {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = press(&s, .char("e"))
        let eq = Self.snap.accounts.equity
        #expect(s.sort == .equity && !s.sortReversed)
        #expect(zip(s.tableRows, s.tableRows.dropFirst()).allSatisfy { eq[$0] >= eq[$1] })
        _ = press(&s, .char("e"))
        #expect(s.sortReversed)
        #expect(zip(s.tableRows, s.tableRows.dropFirst()).allSatisfy { eq[$0] <= eq[$1] })
        let b = render(s)
        #expect(b.text.contains("EQUITY↑"))
        _ = press(&s, .char("i"))
        let ids = s.tableRows.map { Self.snap.accounts.ids[$0] }
        #expect(ids == ids.sorted())
        // One meaning of the arrow (issue 12, item 14): ids A to Z are smallest first.
        #expect(render(s).text.contains("ID↑"))
    }

    /// A numeric sort keeps equal values (`-0` and `+0` too) in priority order, either way round.
    @Test func numericSortsKeepTiesInPriorityOrder() {
        var snap = Self.snap
        let n = snap.accounts.count
        for a in 0..<n where a % 3 == 0 { snap.accounts.equity[a] = a % 2 == 0 ? 0.0 : -0.0 }
        for a in 0..<n where a % 3 == 1 { snap.accounts.equity[a] = 1_000 }
        var s = Fixtures.state(snapshot: snap)
        _ = press(&s, .char("e"))
        let eq = snap.accounts.equity
        let rank = Dictionary(uniqueKeysWithValues: snap.priority.enumerated().map { ($1, $0) })
        let want = snap.priority.sorted { l, r in
            eq[l] != eq[r] ? eq[l] > eq[r] : rank[l, default: 0] < rank[r, default: 0]
        }
        #expect(s.tableRows == want)
        _ = press(&s, .char("e"))
        #expect(s.tableRows == want.reversed())
    }

    @Test func selectionFollowsTheAccountAcrossSorts() {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = press(&s, .char("j"), .char("j"))
        let id = s.selectedAccount
        _ = press(&s, .char("n"))
        #expect(s.selectedAccount == id)
    }

    @Test func filterByStateNameAndId() {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = press(&s, .char("/"))
        typeText(&s, "danger")
        #expect(s.filterEdit != nil)
        #expect(!s.tableRows.isEmpty)
        #expect(s.tableRows.allSatisfy { Self.snap.accounts.state[$0] == .danger })
        _ = press(&s, .enter)
        #expect(s.filterEdit == nil && s.filter == "danger")
        _ = press(&s, .escape)
        #expect(s.filter.isEmpty && s.tableRows.count == Self.snap.accounts.count)
        _ = press(&s, .char("/"))
        typeText(&s, Self.snap.accounts.ids[5].lowercased())
        #expect(s.tableRows == [5])
        _ = press(&s, .backspace, .ctrl("u"))
        #expect(s.tableRows.count == Self.snap.accounts.count)
    }

    @Test func drillOpensComputesAndGoesBack() {
        var s = Fixtures.state(snapshot: Self.snap)
        let a = s.tableRows[0]
        let eff = press(&s, .enter)
        #expect(s.screen == .drill)
        #expect(eff.contains(.trackAccount(Self.snap.accounts.ids[a])))
        let data = try! #require(s.drill?.data)
        let direct = Analyzer(book: Self.snap.marginBook, base: Self.snap.prices).detail(
            account: a, source: Self.snap.book.accounts[a])
        #expect(data.detail == direct)
        #expect(data.stress.count == 3 && data.stress[1][4] == 0)
        _ = press(&s, .escape)
        #expect(s.screen == .overview && s.drill == nil)
    }

    @Test func whatIfShockIsHypotheticalAndMatchesAnalyzer() throws {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = press(&s, .enter, .char("-"), .char("-"))
        let h = try #require(s.drill?.data?.hypothetical)
        #expect(abs(h.move + 0.10) < 1e-12)
        let m = Self.snap.marginBook.market
        let btc = try #require(m.assetIndex[h.asset])
        let a = try #require(s.drill?.data?.account)
        let expected = Analyzer(book: Self.snap.marginBook, base: Self.snap.prices)
            .metrics(a, at: Self.snap.prices.withPrice(asset: btc, Self.snap.prices.assetPrice[btc] * 0.9, m))
        #expect(h.metrics == expected)
        #expect(render(s).text.contains("HYPOTHETICAL"))
        _ = press(&s, .char("0"))
        #expect(s.drill?.data?.hypothetical == nil)
        _ = press(&s, .char("]"), .char("+"))
        #expect(s.drill?.data?.hypothetical?.asset != h.asset)
    }

    @Test func reviewDialogConfirmStoresOnlyAfterTheServiceReturns() async throws {
        var s = Fixtures.state(snapshot: Self.snap)
        let id = Self.snap.accounts.ids[s.tableRows[0]]
        _ = press(&s, .char("L"))
        #expect(s.dialog?.accountIds == [id])
        #expect(s.dialog?.metrics.first?.accountId == id)
        typeText(&s, "called desk")
        let eff = press(&s, .enter)
        guard case .openReviews(let ids, let note, let op, let metrics)? = eff.first else {
            Issue.record("no effect")
            return
        }
        #expect(ids == [id] && note == "called desk" && op == "alice" && metrics.count == 1)
        #expect(s.dialog?.phase == .saving)
        #expect(!render(s).text.contains("stored"))
        let service = InMemoryReviewService()
        await runReviewEffects(eff, on: service, state: &s)
        #expect(s.dialog?.phase == .stored([1]))
        #expect(render(s).text.contains("stored rev-000001"))
        #expect(await service.rows.first?.latestNote == "called desk")
        _ = press(&s, .char("x"))
        #expect(s.dialog == nil)
    }

    @Test func reviewFailureKeepsDialogAndNote() async {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = press(&s, .char("L"))
        typeText(&s, "note kept")
        let service = InMemoryReviewService()
        await service.setFailNext("disk full")
        let eff = press(&s, .enter)
        await runReviewEffects(eff, on: service, state: &s)
        #expect(s.dialog?.phase == .failed("disk full"))
        #expect(s.dialog?.note.text == "note kept")
        #expect(render(s).text.contains("NOT STORED: disk full"))
        let retry = press(&s, .enter)
        await runReviewEffects(retry, on: service, state: &s)
        #expect(s.dialog?.phase == .stored([1]))
    }

    @Test func emptyNoteIsRefused() {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = press(&s, .char("L"))
        let eff = press(&s, .enter)
        #expect(eff.isEmpty)
        #expect(s.dialog?.phase == .failed("a note is required"))
    }

    @Test func markedAccountsGoTogether() {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = press(&s, .char(" "), .char(" "))
        #expect(s.marked.count == 2)
        _ = press(&s, .char("L"))
        #expect(s.dialog?.accountIds.count == 2)
        _ = press(&s, .escape)
        #expect(s.dialog == nil)
    }

    @Test func readOnlyHidesEveryAction() {
        var s = Fixtures.state(readOnly: true, snapshot: Self.snap)
        _ = press(&s, .char(" "), .char("L"))
        #expect(s.marked.isEmpty && s.dialog == nil)
        let t = render(s).text
        #expect(t.contains("READ-ONLY") && !t.contains(" review ") && !t.contains("mark"))
        _ = press(&s, .char("R"))
        _ = drive(&s, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        _ = press(&s, .char("A"))
        #expect(s.queue.prompt == nil)
        #expect(s.notice?.text.contains("read-only") == true)
        #expect(!render(s).line(s.rows - 1).contains("acknowledge"))
        _ = press(&s, .escape, .enter, .char("L"))
        #expect(s.dialog == nil)
    }

    @Test func queueAcknowledgeAndResolve() async {
        var s = Fixtures.state(snapshot: Self.snap)
        let service = InMemoryReviewService()
        _ = try? await service.openReviews(accountIds: ["ACC-1", "ACC-2"], note: "n", operator: "bob", metrics: [])
        var eff = press(&s, .char("R"))
        await runReviewEffects(eff, on: service, state: &s)
        #expect(s.screen == .queue && s.queue.rows.count == 2)
        _ = press(&s, .char("A"))
        typeText(&s, "on it")
        eff = press(&s, .enter)
        #expect(eff == [.acknowledge(id: s.queue.rows[0].id, version: 1, note: "on it")])
        await runReviewEffects(eff, on: service, state: &s)
        #expect(s.queue.prompt == nil)
        #expect(s.queue.rows[0].status == .acknowledged)
        _ = press(&s, .char("C"))
        eff = press(&s, .enter)
        await runReviewEffects(eff, on: service, state: &s)
        #expect(s.queue.rows[0].status == .liquidated)
        _ = press(&s, .char("X"))
        #expect(s.queue.prompt == nil)
    }

    /// Two operators on one review: the second acts on the version it saw and gets the conflict,
    /// with the prompt and its note kept, never a silent overwrite.
    @Test func secondOperatorOnAReviewGetsAConflict() async {
        let service = InMemoryReviewService()
        _ = try? await service.openReviews(accountIds: ["ACC-1"], note: "n", operator: "bob", metrics: [])
        var alice = Fixtures.state(snapshot: Self.snap)
        var carol = Fixtures.state(snapshot: Self.snap)
        await runReviewEffects(press(&alice, .char("R")), on: service, state: &alice)
        await runReviewEffects(press(&carol, .char("R")), on: service, state: &carol)
        _ = press(&alice, .char("A"))
        typeText(&alice, "mine")
        await runReviewEffects(press(&alice, .enter), on: service, state: &alice)
        #expect(alice.queue.rows[0].status == .acknowledged && alice.queue.rows[0].version == 2)
        // Carol still sees it open at version 1 and resolves it as dismissed.
        _ = press(&carol, .char("X"))
        typeText(&carol, "not needed")
        let eff = press(&carol, .enter)
        #expect(eff == [.resolve(id: carol.queue.rows[0].id, version: 1, outcome: .dismissed, note: "not needed")])
        await runReviewEffects(eff, on: service, state: &carol)
        #expect(carol.queue.prompt?.error?.contains("conflict") == true, "\(String(describing: carol.queue.prompt))")
        #expect(carol.queue.prompt?.note.text == "not needed")
        #expect(await service.rows[0].status == .acknowledged)
        #expect(render(carol).text.contains("conflict"))
    }

    @Test func quitAndHelpAndTooSmall() {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = press(&s, .char("?"))
        #expect(s.showHelp)
        #expect(render(s).text.contains("Help"))
        _ = press(&s, .escape)
        #expect(!s.showHelp && s.cursor == 0)
        _ = drive(&s, .resize(rows: 20, cols: 60))
        #expect(render(s).text.contains("Terminal too small: 60x20"))
        let eff = press(&s, .char("q"))
        #expect(eff == [.quit] && s.quit)
    }

    @Test func textFieldEditing() {
        var f = TextField()
        for k: Key in [
            .char("a"), .char("c"), .left, .char("b"), .end, .char("d"), .home, .delete, .ctrl("e"), .backspace,
        ] { _ = f.handle(k) }
        #expect(f.text == "bc")
        _ = f.handle(.ctrl("u"))
        #expect(f.text.isEmpty && f.cursor == 0)
    }
}
