import MarginTUI
import MarginTUITestSupport

extension GoldenStates {
    /// Golden screens of the drill-down, dialogs, review queue and help screens, built from the overview state `base` at one size.
    static func drill(base: AppState, cols: Int, rows: Int) -> [(String, AppState)] {
        []
    }
}
