import MarginLive
import MarginTUI
import MarginTUITestSupport

extension GoldenStates {
    /// Golden screens of the header, overview rows, sorting and data-state screens, built from the overview state `base` at one size.
    static func header(base: AppState, cols: Int, rows: Int) -> [(String, AppState)] {
        var out: [(String, AppState)] = []
        guard let snap = base.snapshot else { return out }
        // Item 11: a websocket feed dead from the start (no tick ever), and one that died after ticks.
        func with(_ s: LiveSnapshot) -> AppState {
            var st = base
            _ = drive(&st, .snapshot(s))
            return st
        }
        out.append(("dead-feed", with(Fixtures.deadFeed(snap))))
        out.append(("dead-feed-after-ticks", with(Fixtures.deadFeed(snap, downFor: 8, ticked: true))))
        // Item 15: paused rows (`z`), the header says so.
        var paused = base
        _ = drive(&paused, .key(.char("z")))
        out.append(("overview-paused", paused))
        return out
    }
}
