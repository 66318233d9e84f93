/// Screen geometry shared by reduce (what is visible) and the views (where to draw).
public enum Layout {
    public static let minCols = 80
    public static let minRows = 24
    /// Width of one price-strip item.
    public static let stripItemWidth = 40

    public static func stripRows(assetCount: Int, cols: Int) -> Int {
        guard assetCount > 0 else { return 1 }
        let per = max(1, cols / stripItemWidth)
        return min(2, (assetCount + per - 1) / per)
    }

    /// First table data row on the overview.
    public static func tableTop(_ s: AppState) -> Int {
        2 + stripRows(assetCount: s.snapshot?.assets.count ?? 0, cols: s.cols) + 1
    }

    /// Number of table rows that fit.
    public static func tableHeight(_ s: AppState) -> Int { max(1, s.rows - tableTop(s) - 1) }

    /// Number of drill-down document lines that fit (below the title and account lines, above the footer).
    public static func drillHeight(_ s: AppState) -> Int { max(1, s.rows - 3) }
}
