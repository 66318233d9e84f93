/// Which way a sort runs, and the order `<` and `>` move the sort column in.
extension SortKey {
    /// Whether the column's own order (first press of its key) puts the largest value first:
    /// figures, ages and the state (worst first) do; text (id, name, model) and the distance
    /// (nearest `|distance|` first) run smallest first. The priority order is most urgent first.
    public var descendingByDefault: Bool {
        switch self {
        case .id, .name, .model, .distance: false
        case .priority, .equity, .adjustedEquity, .initialMargin, .maintenanceMargin, .ratio, .exposure, .age, .state:
            true
        }
    }

    /// The header's arrow, one meaning for every column: `↓` largest first, `↑` smallest first.
    public static func arrow(_ key: SortKey, reversed: Bool) -> String {
        key.descendingByDefault != reversed ? "↓" : "↑"
    }
}

/// The sort columns `<` and `>` step through, as htop's: the priority order, then the table's
/// sortable columns on screen at `cols`, left to right.
func sortCycle(cols: Int, columns: [OverviewColumn] = OverviewColumn.defaults) -> [SortKey] {
    [.priority] + OverviewLayout.fit(cols: cols, columns: columns).compactMap { $0.0.sort }
}

/// The sort column `step` places from `current` in ``sortCycle(cols:)`` (wrapping round).
func steppedSort(
    _ current: SortKey, by step: Int, cols: Int, columns: [OverviewColumn] = OverviewColumn.defaults
) -> SortKey {
    let cycle = sortCycle(cols: cols, columns: columns)
    guard let k = cycle.firstIndex(of: current) else { return step > 0 ? cycle[0] : cycle[cycle.count - 1] }
    return cycle[(k + step % cycle.count + cycle.count) % cycle.count]
}
