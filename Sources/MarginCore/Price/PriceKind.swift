/// What a price update prices: an asset's index, an instrument's mark, or an implied vol
/// (a fraction: 0.55 = 55 %).
public enum PriceKind: String, Sendable, Codable, CaseIterable {
    case index, mark, iv
}
