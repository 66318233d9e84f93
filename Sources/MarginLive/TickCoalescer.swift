import MarginCore

/// Keeps the latest update per slot (an asset's index, an instrument's mark, ...) between
/// recomputes, so ticks arriving faster than the book recomputes are coalesced, never queued
/// without bound: memory is one entry per symbol however fast the feed is.
///
/// Keyed on the resolved ``PriceSlot``, so a tick costs one small integer hash here.
public struct TickCoalescer: Sendable {
    private var latest: [PriceSlot: PriceUpdate] = [:]
    private var order: [PriceSlot] = []
    /// Updates received since the last drain, and how many were superseded.
    public private(set) var received = 0
    public private(set) var coalesced = 0

    public init() {}

    public var pending: Int { latest.count }

    /// Keeps `u` as the latest update for `slot`.
    public mutating func add(_ u: PriceUpdate, at slot: PriceSlot) {
        received += 1
        if latest.updateValue(u, forKey: slot) == nil { order.append(slot) } else { coalesced += 1 }
    }

    /// The latest update of each slot, in first-arrival order; empties the coalescer.
    public mutating func drain() -> [(slot: PriceSlot, update: PriceUpdate)] {
        let out = order.compactMap { slot in latest[slot].map { (slot: slot, update: $0) } }
        latest.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        received = 0
        coalesced = 0
        return out
    }

    /// Resolves every pending update again (after the book's markets changed), dropping those
    /// `slot` no longer resolves; keeps arrival order and the counts.
    public mutating func reresolve(_ slot: (PriceUpdate) -> PriceSlot?) {
        let pending = order.compactMap { latest[$0] }
        latest.removeAll(keepingCapacity: true)
        order.removeAll(keepingCapacity: true)
        for u in pending {
            guard let s = slot(u) else { continue }
            if latest.updateValue(u, forKey: s) == nil { order.append(s) }
        }
    }
}
