import MarginCore
import MarginTUI
import MarginTUITestSupport

extension GoldenStates {
    /// Golden screens of the cursor, themes, mouse, config and column screens, built from the overview state `base` at one size.
    static func terminal(base: AppState, cols: Int, rows: Int) -> [(String, AppState)] {
        var out: [(String, AppState)] = []
        guard let snap = base.snapshot else { return out }
        // The cursor on the first liquidatable row, the row above it marked (item 7: the `>` marker).
        if let k = base.tableRows.firstIndex(where: { snap.accounts.state[$0] == .liquidatable }), k > 0 {
            var c = base
            for _ in 0..<(k - 1) { _ = drive(&c, .key(.char("j"))) }
            _ = drive(&c, .key(.char(" ")))
            out.append(("overview-cursor-liquidatable", c))
        }
        // The cursor on a marked bankrupt row (the first): `>+`.
        var m = base
        _ = drive(&m, .key(.char(" ")))
        _ = drive(&m, .key(.char("k")))
        out.append(("overview-cursor-marked", m))
        // The column chooser (item 16): NAME hidden, STATE moved up two, the cursor on it.
        var ch = base
        for k: Key in [.char("c"), .down, .char(" "), .char("G"), .char("K"), .char("K")] { _ = drive(&ch, .key(k)) }
        out.append(("column-chooser", ch))
        // Columns from config.toml or --columns, and the near threshold at 10%.
        var cols = base
        cols.columns = [.id, .distance, .state, .ratio, .equity]
        cols.nearThreshold = 0.10
        out.append(("overview-columns", cols))
        return out
    }
}
