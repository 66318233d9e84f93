/// The column chooser (`c` on the overview): every column with whether it is shown, in table order.
///
/// ↑ ↓ choose a line, Space shows or hides it, `K` / `J` move it up or down, `0` puts back the defaults,
/// Enter applies, Esc leaves the table as it was.
public struct ColumnChooser: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var column: OverviewColumn
        public var shown: Bool
    }
    public var items: [Item]
    public var cursor = 0
    /// Why the last Enter was refused (nothing shown).
    public var error: String?

    /// The shown columns in order, then the hidden ones in their default order.
    public init(shown: [OverviewColumn]) {
        items =
            shown.map { Item(column: $0, shown: true) }
            + OverviewColumn.defaults.filter { !shown.contains($0) }.map { Item(column: $0, shown: false) }
    }

    /// The columns the table will show.
    public var shown: [OverviewColumn] { items.filter(\.shown).map(\.column) }
}
