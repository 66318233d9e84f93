import MarginCore
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
        // Item 18: states held by hysteresis marked, and the live vol factor of each underlying.
        var held = snap
        held.accounts.held = Array(repeating: false, count: held.accounts.count)
        for st in [AccountState.warning, .liquidatable] {
            if let a = held.priority.first(where: { held.accounts.state[$0] == st }) { held.accounts.held[a] = true }
        }
        if let k = held.assets.firstIndex(where: { $0.name == "BTC" }) { held.assets[k].volFactor = 1.4234 }
        out.append(("overview-held-vol", with(held)))
        return out
    }
}
