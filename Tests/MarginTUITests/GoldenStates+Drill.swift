import MarginTUI
import MarginTUITestSupport

extension GoldenStates {
    /// Golden screens of the drill-down, dialogs, review queue and help screens, built from the overview state `base` at one size.
    static func drill(base: AppState, cols: Int, rows: Int) -> [(String, AppState)] {
        var out: [(String, AppState)] = []
        // Item 1: G shows the last screen, k moves one line back from it.
        var back = base
        for k: Key in [.enter, .char("G"), .char("k")] { _ = drive(&back, .key(k)) }
        out.append(("drill-bottom-back", back))
        // Item 3: the help, wrapped, scrolled to its end.
        var help = base
        for k: Key in [.char("?"), .char("G")] { _ = drive(&help, .key(k)) }
        out.append(("help-end", help))
        // Item 2: an account with two holdings and a borrow, its collateral in view (shares of the gross).
        if let snap = base.snapshot,
            let a = (0..<snap.accounts.count).first(where: { a in
                let c = snap.book.accounts[a].subaccounts.flatMap(\.collateral)
                return c.contains { $0.amount < 0 } && c.filter { $0.amount >= 0 }.count >= 2
            })
        {
            var coll = base
            _ = drive(&coll, .key(.char("/")))
            for c in snap.accounts.ids[a] { _ = drive(&coll, .key(.char(c))) }
            for k: Key in [.enter, .enter] { _ = drive(&coll, .key(k)) }
            while !render(coll).text.contains("borrows (weighted"), (coll.drill?.scroll ?? 99) < 99 {
                _ = drive(&coll, .key(.char("j")))
            }
            out.append(("drill-collateral-borrow", coll))
        }
        // Item 19: a liquidatable (not bankrupt) account: recovery prices, "already liquidatable".
        if let snap = base.snapshot,
            let pos = base.tableRows.firstIndex(where: { snap.accounts.state[$0] == .liquidatable })
        {
            var rec = base
            for _ in 0..<pos { _ = drive(&rec, .key(.char("j"))) }
            _ = drive(&rec, .key(.enter))
            out.append(("drill-recovery", rec))
        }
        // Item 8: 25 marked accounts in the review dialog, scrolled one page down (Enter shows the unseen ones).
        var many = base
        for _ in 0..<25 { _ = drive(&many, .key(.char(" "))) }
        _ = drive(&many, .key(.char("L")))
        for c in "call desk" { _ = drive(&many, .key(.char(c))) }
        out.append(("review-dialog-25", many))
        var scrolled = many
        _ = drive(&scrolled, .key(.enter))
        out.append(("review-dialog-25-scrolled", scrolled))
        // Item 20: a review's whole history (Enter on the queue), with the figures of each step.
        if let snap = base.snapshot, let a = snap.accountIndex(id: "ACC-100005") {
            var reviews = Fixtures.reviews(now: base.now)
            var m = snap.reviewMetrics(account: a)
            m.computedAt = base.now - 700
            reviews[1].transitions[0].metrics = m
            reviews[1].transitions[0].confirmed = m
            m.computedAt = base.now - 100
            reviews[1].transitions[1].metrics = m
            var detail = base
            _ = drive(&detail, .key(.char("R")))
            _ = drive(&detail, .reviewsLoaded(reviews))
            for k: Key in [.char("j"), .enter] { _ = drive(&detail, .key(k)) }
            out.append(("queue-history", detail))
        }
        return out
    }
}
