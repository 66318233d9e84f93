import MarginTUI
import MarginTUITestSupport

extension GoldenStates {
    /// Golden screens of the cursor, themes, mouse, config and column screens, built from the overview state `base` at one size.
    static func terminal(base: AppState, cols: Int, rows: Int) -> [(String, AppState)] {
        []
    }
}
