extension KeyMap {
    /// What every column and header figure means, for the help's "Columns and figures" section.
    public static let legend: [(String, String)] = [
        ("LIVE STALE DOWN", "header badge: prices live; old or none yet; feed down (REPLAY ENDED: the file is done)"),
        ("USD", "header: the book's quote currency, the unit of every amount on screen"),
        ("oldest", "header: age of the oldest non-stable index price, from its last real tick"),
        ("p99", "header: 99th percentile of tick-to-results latency over the last 1,024 recomputes (- none yet)"),
        ("ticks/s", "header: price updates received in the last second"),
        ("PAUSED", "z pressed: the rows hold still, their figures keep updating"),
        ("+0.02%", "asset strip: change since the live book started (from the book's price)"),
        ("▁▃▅▇", "asset strip: the last 7 s, one sample a second, scaled to its own low and high"),
        ("×1.42", "asset strip: the live vol factor, multiplying the margin rates (IM, MM) of its instruments"),
        ("RATIO", "maintenance margin / adjusted equity (inf: no equity left); 100% or more liquidates"),
        ("DIST", "the signed move of every non-stable price that liquidates (see DIST column)"),
        ("AGE", "age of the oldest price the account rests on (never: the book's stored price)"),
        ("~", "the account rests on a price older than staleAfter"),
        ("warning*", "STATE held by hysteresis: its figures alone now read a better state"),
        ("LARGEST EXP", "asset of the largest exposure (positions and collateral) and its notional"),
        ("SHARE", "drill-down: a collateral line's part of the gross weighted collateral (borrows apart)"),
        ("↓ ↑", "on the sorted column: largest first / smallest first"),
    ]
}
