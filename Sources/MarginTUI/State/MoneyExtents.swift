import MarginLive

/// The largest magnitude among a money column's finite figures, and whether one is negative:
/// what the overview needs to print the whole column whole or compact (``MoneyColumnFormat``).
public struct MoneyExtent: Sendable, Equatable {
    public var largest = 0.0
    public var negative = false

    public init(largest: Double = 0, negative: Bool = false) {
        self.largest = largest
        self.negative = negative
    }

    mutating func add(_ x: Double) {
        guard x.isFinite else { return }
        largest = max(largest, abs(x))
        negative = negative || x < 0
    }
}

/// The ``MoneyExtent`` of each of the overview's money columns over the rows it shows.
public struct MoneyExtents: Sendable, Equatable {
    public var equity = MoneyExtent()
    public var adjustedEquity = MoneyExtent()
    public var initialMargin = MoneyExtent()
    public var maintenanceMargin = MoneyExtent()

    public init() {}

    /// Over `rows` of `table`. All the table's rows (no filter) are read in their stored order,
    /// straight down each column; a filtered subset by index.
    public init(_ table: AccountTable, rows: [Int]) {
        func add(_ a: Int) {
            equity.add(table.equity[a])
            adjustedEquity.add(table.adjustedEquity[a])
            initialMargin.add(table.initialMargin[a])
            maintenanceMargin.add(table.maintenanceMargin[a])
        }
        if rows.count == table.equity.count {
            for a in table.equity.indices { add(a) }
        } else {
            for a in rows { add(a) }
        }
    }
}
