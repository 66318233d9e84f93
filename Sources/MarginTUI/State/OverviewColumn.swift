/// A column of the overview's account table the operator chooses to show, and where (the `c` chooser,
/// `columns` in `config.toml`, `--columns`). The mark column (cursor, marks, staleness) always comes first.
public enum OverviewColumn: String, Sendable, CaseIterable, Equatable {
    case id, name, model, equity
    case adjustedEquity = "adj-eq"
    case im, mm, ratio, bar
    case distance = "dist"
    case exposure, age, state

    /// Every column, in the default order.
    public static let defaults: [OverviewColumn] = allCases

    /// How the chooser names the column.
    public var label: String {
        switch self {
        case .id: "ID"
        case .name: "NAME"
        case .model: "MODEL (margin model)"
        case .equity: "EQUITY"
        case .adjustedEquity: "ADJ.EQ (adjusted equity)"
        case .im: "IM (initial margin)"
        case .mm: "MM (maintenance margin)"
        case .ratio: "RATIO (MM / adjusted equity)"
        case .bar: "ratio bar"
        case .distance: "DIST (move to liquidation)"
        case .exposure: "LARGEST EXP (largest exposure)"
        case .age: "AGE (oldest price used)"
        case .state: "STATE"
        }
    }

    /// Columns from their names (`id`, `name`, `dist`, ...), in the order given: an unknown or repeated
    /// name, or none at all, is an error that says which and lists the names.
    public static func parse(_ names: [String]) -> Result<[OverviewColumn], ColumnListError> {
        var out: [OverviewColumn] = []
        for n in names {
            guard let c = OverviewColumn(rawValue: n.lowercased()) else { return .failure(.unknown(n)) }
            guard !out.contains(c) else { return .failure(.repeated(n)) }
            out.append(c)
        }
        return out.isEmpty ? .failure(.empty) : .success(out)
    }

    /// A comma-separated list (`id,name,dist,state`), as `--columns` takes it.
    public static func parse(list: String) -> Result<[OverviewColumn], ColumnListError> {
        parse(list.split(separator: ",", omittingEmptySubsequences: false).map { String($0).trimmed })
    }

    /// The names, for messages: `id, name, model, …`.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

/// What is wrong with a list of columns.
public enum ColumnListError: Error, Sendable, Equatable, CustomStringConvertible {
    case unknown(String)
    case repeated(String)
    case empty

    public var description: String {
        switch self {
        case .unknown(let n): "unknown column '\(n)'; the columns are \(OverviewColumn.names)"
        case .repeated(let n): "column '\(n)' is listed twice"
        case .empty: "no column listed; the columns are \(OverviewColumn.names)"
        }
    }
}

extension String {
    fileprivate var trimmed: String {
        var t = Substring(self)
        while t.first == " " { t = t.dropFirst() }
        while t.last == " " { t = t.dropLast() }
        return String(t)
    }
}

extension SortKey {
    /// A sort from its name (`distance`, `equity`, ...); a leading `-` reverses it (`-equity`: smallest first).
    public static func parse(_ text: String) -> (SortKey, reversed: Bool)? {
        let reversed = text.hasPrefix("-")
        guard let k = SortKey(rawValue: String(reversed ? text.dropFirst() : Substring(text))) else { return nil }
        return (k, reversed)
    }

    /// The names, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
