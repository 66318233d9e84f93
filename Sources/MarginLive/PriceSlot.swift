import MarginCore

/// Where a price update lands in a live book: its symbol and kind resolved to an index once,
/// when it is submitted, so coalescing and applying work on indices rather than strings.
///
/// Indices are the book's market order (``MarginBook/market``); ``LiveBook/slot(for:)`` resolves.
public enum PriceSlot: Hashable, Sendable {
    /// An asset's index price.
    case index(asset: Int)
    /// A perpetual's or future's mark.
    case mark(instrument: Int)
    /// An option's implied vol.
    case optionVol(instrument: Int)
    /// An asset's implied vol, for its options that have none of their own.
    case assetVol(asset: Int)
}
