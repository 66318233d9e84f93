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
        return out
    }
}
