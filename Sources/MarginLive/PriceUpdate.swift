import MarginCore

/// One price observation for the live book: an asset's index, an
/// instrument's mark, or an implied vol (instrument, or asset for its options).
public struct PriceUpdate: Sendable, Equatable {
    public enum Kind: String, Sendable, Equatable, CaseIterable { case index, mark, iv }
    public var symbol: String
    public var kind: Kind
    public var value: Double
    /// Exchange time, seconds since the epoch (drives the vol EWMA's time steps).
    public var time: Double
    /// When it reached us, seconds since the epoch (drives staleness); the exchange time when not given.
    public var received: Double

    public init(symbol: String, kind: Kind, value: Double, time: Double, received: Double? = nil) {
        self.symbol = symbol; self.kind = kind; self.value = value; self.time = time; self.received = received ?? time
    }
}

/// Keeps the latest update per (kind, symbol) between recomputes, so ticks
/// arriving faster than the book recomputes are coalesced, never queued
/// without bound: memory is one entry per symbol however fast the feed is.
public struct TickCoalescer: Sendable {
    private struct Key: Hashable { var kind: PriceUpdate.Kind; var symbol: String }
    private var latest: [Key: PriceUpdate] = [:]
    private var order: [Key] = []
    /// Updates received since the last drain, and how many were superseded.
    public private(set) var received = 0
    public private(set) var coalesced = 0

    public init() {}

    public var pending: Int { latest.count }

    public mutating func add(_ u: PriceUpdate) {
        received += 1
        let k = Key(kind: u.kind, symbol: u.symbol)
        if latest.updateValue(u, forKey: k) == nil { order.append(k) } else { coalesced += 1 }
    }

    /// The latest update of each symbol, in first-arrival order; empties the coalescer.
    public mutating func drain() -> [PriceUpdate] {
        let out = order.compactMap { latest[$0] }
        latest.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        received = 0
        coalesced = 0
        return out
    }
}
