import MarginCore

extension ClusterView.Account {
    /// The shard's published figures as the review metrics an operator confirms from the merged
    /// view (`margintop --cluster`), stamped with the shard's result time, not now. Shards do not
    /// publish the initial margin: it is NaN here, stored as such and written `null` in JSON.
    public var publishedMetrics: ReviewMetrics {
        let r = result
        return ReviewMetrics(
            accountId: r.accountId, equity: r.equity, adjustedEquity: r.adjustedEquity, initialMargin: .nan,
            maintenanceMargin: r.maintenanceMargin, marginRatio: r.marginRatio.isFinite ? r.marginRatio : nil,
            state: r.state.name, distanceToLiquidation: r.distance, computedAt: Double(resultMs) / 1000)
    }
}

extension ClusterView {
    /// The shard `index` of this view, if it is one of its `N`.
    public func shard(_ index: Int) -> Shard? { shards.indices.contains(index) ? shards[index] : nil }

    /// Why figures from shard `index` may be out of date (`nil`: it is live or finished): dead
    /// (no publish for longer than ``deadAfter``) or missing (no heartbeat at all).
    public func staleness(ofShard index: Int) -> String? {
        guard let s = shard(index) else { return "shard \(index) is not one of the \(shardCount) shards" }
        switch s.health {
        case .live, .finished: return nil
        case .dead:
            let age = s.age.map { Money.fixed($0, decimals: 1) + " s" } ?? "a while"
            return "shard \(index)/\(shardCount) is dead: no publish for \(age)"
        case .missing: return "shard \(index)/\(shardCount) is missing: it never published a heartbeat"
        }
    }
}
