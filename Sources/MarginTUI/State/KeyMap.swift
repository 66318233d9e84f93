/// The keys, grouped for the help overlay (the reducer is the source of behaviour; this is its documentation).
public enum KeyMap {
    public struct Section: Sendable {
        public var title: String
        public var keys: [(String, String)]
    }

    public static func help(readOnly: Bool) -> [Section] {
        var overview: [(String, String)] = [
            ("↑ ↓ j k", "move"), ("PgUp PgDn", "page"), ("g G", "top / bottom"), ("Enter l →", "drill into account"),
            ("/", "filter by id, name, state, asset"), ("/dist<5%", "|distance| < 5% (<= > >=; 0.05 = 5%)"),
            ("c", "columns: show, hide, reorder"),
            ("mouse", "click: select, double-click: drill, header: sort, wheel: scroll"),
            ("Esc", "clear filter / marks"),
            ("z", "pause: rows stop re-sorting, figures keep updating (z again: resume)"),
            ("p i n o e a", "sort: priority id name model equity adj.eq"),
            ("I M r x t s", "sort: IM MM ratio exposure age state (again: reverse)"),
            ("d D", "sort: distance, nearest first (d again or D: farthest)"),
            ("< >", "sort by the column to the left / right"),
            ("↓ ↑", "on the sorted column: largest first / smallest first (DIST: by |distance|)"),
        ]
        if !readOnly { overview += [("Space", "mark account"), ("L", "liquidation review (selected or marked)")] }
        var drill: [(String, String)] = [
            ("Esc h ←", "back"), ("↑ ↓ PgUp PgDn", "scroll"), ("[ ]", "choose what-if asset"),
            ("+ -", "what-if price ±5% (HYPOTHETICAL)"), ("0", "reset what-if"),
        ]
        if !readOnly { drill.append(("L", "liquidation review of this account")) }
        var queue: [(String, String)] = [
            ("R", "review queue (again: refresh)"), ("Enter l →", "open a review: its whole history"),
            ("Esc h ←", "back"),
        ]
        if !readOnly {
            queue += [("A", "acknowledge"), ("C", "resolve: liquidated (closed out)"), ("X", "resolve: dismissed")]
        }
        queue.append(("R in rows", "the overview marks an account whose review is open or acknowledged"))
        let distance: [(String, String)] = [
            ("+5.0%", "move of all prices that liquidates (signed)"), ("+5.0%~", "dimmed: computed over 3 s ago"),
            ("-  …", "no move in range liquidates / not analysed yet"),
        ]
        return [
            Section(title: "Overview", keys: overview), Section(title: "DIST column", keys: distance),
            Section(title: "Columns and figures", keys: legend),
            Section(title: "Drill-down", keys: drill),
            Section(title: "Reviews", keys: queue),
            Section(
                title: "Keys",
                keys: [
                    ("a-z", "view: move, sort, open (l Enter →), back (h Esc ←); one meaning wherever it works"),
                    ("A-Z", "act: L review, A acknowledge, C liquidated, X dismissed; R S I M D as listed"),
                ] + (readOnly ? [("read-only", "action keys say so and do nothing")] : [])),
            Section(
                title: "Everywhere",
                keys: [
                    ("S", "system curve"), ("?", "help"), ("q", "quit"), ("Ctrl-L", "repaint the screen"),
                    ("Ctrl-Z", "suspend (fg brings it back)"),
                ]),
        ]
    }
}
