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

    /// Rows of the data banner under the overview's header (1 while the data is not live, else 0).
    public static func bannerRows(_ s: AppState) -> Int {
        guard let snap = s.snapshot else { return 0 }
        return DataStatus(snap).isLive ? 0 : 1
    }

    /// First table data row on the overview.
    public static func tableTop(_ s: AppState) -> Int {
        2 + bannerRows(s) + stripRows(assetCount: s.snapshot?.assets.count ?? 0, cols: s.cols) + 1
    }

    /// Number of table rows that fit.
    public static func tableHeight(_ s: AppState) -> Int { max(1, s.rows - tableTop(s) - 1) }

    /// Number of drill-down document lines that fit (below the title and account lines, above the footer).
    public static func drillHeight(_ s: AppState) -> Int { max(1, s.rows - 3) }
}
