import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12, item 20: Enter on the queue opens a review with its whole history; overview rows of
/// accounts under review carry `R`; keys mean one thing on every screen (`l` opens, never resolves;
/// `x` sorts, never dismisses; acting takes `A`, `C`, `X`); in `--read-only` an action key says so.
@Suite struct ReviewQueueTests {
    static let snap = Fixtures.snapshot()

    /// A review opened from the dialog (with the figures then), acknowledged by the queue, then the
    /// queue's Enter: every step with its operator, time, note and figures.
    @Test func enterShowsTheWholeHistory() async throws {
        let service = InMemoryReviewService(clock: { Fixtures.now + 12.5 })
        var s = Fixtures.state(snapshot: Self.snap)
        let id = try #require(s.selectedAccount.map { Self.snap.accounts.ids[$0] })
        _ = press(&s, .char("L"))
        typeText(&s, "margin call sent")
        await runReviewEffects(press(&s, .enter), on: service, state: &s)
        _ = press(&s, .escape)
        await runReviewEffects(press(&s, .char("R")), on: service, state: &s)
        _ = press(&s, .char("A"))
        typeText(&s, "desk on the phone")
        await runReviewEffects(press(&s, .enter), on: service, state: &s)
        #expect(s.queue.rows.first?.status == .acknowledged)

        _ = press(&s, .enter)
        #expect(s.queue.detail == s.queue.rows.first?.id)
        let text = render(s).text
        #expect(text.contains(" review │"))
        #expect(text.contains("account \(id)"))
        #expect(text.contains("HISTORY (2 step(s)"))
        #expect(text.contains("#1 open") && text.contains("#2 acknowledged"))
        #expect(text.contains("margin call sent") && text.contains("desk on the phone"))
        #expect(text.contains("by alice"))
        // The figures of the opening, as the dialog computed them.
        let m = try #require(await service.rows.first?.transitions.first?.metrics)
        #expect(text.contains("then   equity \(Money.format(m.equity, decimals: 0))"))
        #expect(text.contains(m.state))
        // Back to the list with Esc (h and ← too).
        _ = press(&s, .escape)
        #expect(s.queue.detail == nil && s.screen == .queue)
        _ = press(&s, .char("l"))
        #expect(s.queue.detail != nil)
        _ = press(&s, .char("h"))
        #expect(s.queue.detail == nil)
        // Actions from the history act on that review.
        _ = press(&s, .right, .char("X"))
        #expect(s.queue.prompt?.kind == .resolve(.dismissed))
    }

    /// `l` and `x` keep one meaning: on the overview `l` drills in and `x` sorts by exposure; on the
    /// queue `l` opens the history and `x` does not dismiss (it says which keys act).
    @Test func lowercaseKeysNeverActOnReviews() {
        var s = Fixtures.state(snapshot: Self.snap)
        _ = drive(&s, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        _ = press(&s, .char("x"))
        #expect(s.sort == .exposure)
        _ = press(&s, .char("l"))
        #expect(s.screen == .drill)
        _ = press(&s, .escape, .char("R"))
        _ = drive(&s, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        for k: Key in [.char("x"), .char("a"), .char("r")] {
            var t = s
            let effects = press(&t, k)
            #expect(t.queue.prompt == nil && t.queue.detail == nil && effects.isEmpty)
            #expect(t.notice?.text.contains("A acknowledge") == true)
        }
        var t = s
        _ = press(&t, .char("l"))
        #expect(t.queue.prompt == nil && t.queue.detail == s.queue.rows[0].id)
        for (k, kind) in [
            (Key.char("A"), QueuePrompt.Kind.acknowledge), (.char("C"), .resolve(.liquidated)),
            (.char("X"), .resolve(.dismissed)),
        ] {
            var u = s
            _ = press(&u, k)
            #expect(u.queue.prompt?.kind == kind)
        }
    }

    @Test func readOnlyActionKeysSaySo() {
        var s = Fixtures.state(readOnly: true, snapshot: Self.snap)
        for k: Key in [.char(" "), .char("L")] {
            var t = s
            let effects = press(&t, k)
            #expect(effects.isEmpty && t.marked.isEmpty && t.dialog == nil)
            #expect(t.notice?.text.hasPrefix("read-only") == true, "\(k)")
            #expect(render(t).line(t.rows - 1).contains("read-only"))
        }
        _ = press(&s, .enter)
        var d = s
        _ = press(&d, .char("L"))
        #expect(d.dialog == nil && d.notice?.text.hasPrefix("read-only") == true)
        _ = press(&s, .escape, .char("R"))
        _ = drive(&s, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        for k: Key in [.char("A"), .char("C"), .char("X")] {
            var t = s
            _ = press(&t, k)
            #expect(t.queue.prompt == nil && t.notice?.text.hasPrefix("read-only") == true)
            _ = press(&t, .enter, k)
            #expect(t.queue.prompt == nil && t.notice?.text.hasPrefix("read-only") == true)
        }
    }

    /// Rows of accounts with an open or acknowledged review carry `R` in the mark column; a resolved
    /// review leaves no mark.
    @Test func overviewMarksAccountsUnderReview() throws {
        var s = Fixtures.state(rows: 60, cols: 120, snapshot: Self.snap)
        _ = drive(&s, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        let b = render(s)
        func row(_ id: String) -> String? { (0..<b.rows).map(b.line).first { $0.contains(" \(id) ") } }
        for (id, marked) in [("ACC-100002", true), ("ACC-100005", true), ("ACC-100001", false)] {
            let r = try #require(row(id), "no row for \(id)")
            #expect(r.dropFirst().hasPrefix("R") == marked, "\(id): \(r)")
        }
    }

    /// A review stored from the overview marks its row at once (the reviews are read again).
    @Test func aNewReviewMarksItsRowAtOnce() async throws {
        let service = InMemoryReviewService()
        var s = Fixtures.state(snapshot: Self.snap)
        let id = try #require(s.selectedAccount.map { Self.snap.accounts.ids[$0] })
        _ = press(&s, .char("L"))
        typeText(&s, "call")
        await runReviewEffects(press(&s, .enter), on: service, state: &s)
        #expect(s.queue.activeAccounts == [id])
        _ = press(&s, .escape)
        let row = try #require((0..<s.rows).map(render(s).line).first { $0.contains(" \(id) ") })
        #expect(row.hasPrefix(">R"), "\(row)")
    }

    /// The overview reads the reviews at its first snapshot, then every 15 s, not at every snapshot.
    @Test func reviewsAreReadForTheMarks() {
        var s = AppState(operatorName: "alice", readOnly: false)
        _ = drive(&s, .resize(rows: 40, cols: 120))
        _ = drive(&s, .tick(now: Self.snap.time))
        #expect(drive(&s, .snapshot(Self.snap)).contains(.loadReviews))
        _ = drive(&s, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        var later = Self.snap
        later.time += 5
        #expect(!drive(&s, .snapshot(later)).contains(.loadReviews))
        later.time += 11
        #expect(drive(&s, .snapshot(later)).contains(.loadReviews))
    }
}
