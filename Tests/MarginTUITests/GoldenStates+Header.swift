import MarginTUI
import MarginTUITestSupport

extension GoldenStates {
    /// Golden screens of the header, overview rows, sorting and data-state screens, built from the overview state `base` at one size.
    static func header(base: AppState, cols: Int, rows: Int) -> [(String, AppState)] {
        []
    }
}
