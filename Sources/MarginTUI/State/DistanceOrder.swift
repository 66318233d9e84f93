import MarginCore

/// The overview's distance sort: nearest liquidation first.
///
/// By `|distance|` ascending (an account already liquidatable, at 0, first), accounts with no distance
/// (NaN: no move in range liquidates them, or not analysed yet) last, ties in the order given (the
/// priority order). One key array for the whole book and one radix sort (``KeyOrder``), once per
/// snapshot (or key), never per frame.
public enum DistanceOrder {
    /// `rows` (account indices, in priority order) sorted by the distance column `distance` (indexed by account).
    public static func sorted(_ rows: [Int], distance: [Double]) -> [Int] {
        KeyOrder.ascending(
            rows.map { a in
                let d = distance[a]
                return KeyOrder.orderedBits(d.isNaN ? .infinity : abs(d))
            }
        ).map { rows[$0] }
    }
}
