import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// The overview's asset strip (issue 12 items 5 and 18).
@Suite struct AssetStripTests {
    /// The strip's rows (after the header, any banner, and the counts line).
    func strip(_ snap: LiveSnapshot, cols: Int) -> [String] {
        let st = Fixtures.state(rows: 48, cols: cols, snapshot: snap)
        let lines = render(st).text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let top = Layout.tableTop(st) - 1 - Layout.stripRows(assetCount: snap.assets.count, cols: cols)
        return Array(lines[top..<(Layout.tableTop(st) - 1)])
    }

    /// Item 5: `STALE` is never cut to `S…`, at 120 and 160 columns, for every stale asset.
    @Test(arguments: [120, 160, 200])
    func staleIsWhole(cols: Int) {
        let snap = Fixtures.deadFeed(Fixtures.snapshot(), downFor: 8, ticked: true)
        let text = strip(snap, cols: cols).joined(separator: "\n")
        #expect(!text.contains("S…"), "\(text)")
        let shown = snap.assets.prefix(cols / Layout.stripItemWidth * 2).filter(\.stale).count
        #expect(shown > 0)
        #expect(text.components(separatedBy: "STALE").count - 1 == shown, "\(text)")
    }
}
