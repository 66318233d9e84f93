import MarginCore

extension ClusterView {
    /// The merged view as text, in three parts: the summed counts (two lines), a header and a line
    /// per shard (in ``shards`` order), a header and a line per top account (in ``top`` order).
    public func tableSections() -> (summary: [String], shards: [String], accounts: [String]) {
        let summary = [
            "\(accounts) accounts in \(shardCount) shard\(shardCount == 1 ? "" : "s") as of \(Timestamp.format(time)): "
                + AccountState.allCases.filter { $0 != .error || count($0) > 0 }.map { "\(count($0)) \($0.name)" }
                .joined(separator: ", "),
            "shortfall \(Money.format(shortfall)), insurance fund \(Money.format(insuranceFund)), "
                + "socialized loss \(Money.format(socializedLoss))",
        ]
        var shardLines = [["SHARD", "HEALTH", "AGE", "ACCOUNTS", "FEED", "LAST EXCHANGE", "HOST", "PID"]]
        for s in shards {
            let h = s.heartbeat
            shardLines.append([
                "\(s.index)/\(shardCount)", s.health.rawValue, s.age.map { Money.fixed($0, decimals: 1) + "s" } ?? "-",
                h.map { "\($0.accounts)" } ?? "-", TextCell.sanitize(h?.feed ?? "-"),
                h?.lastExchangeMs.map { Timestamp.format(Double($0) / 1000) } ?? "-",
                TextCell.sanitize(h?.host ?? "-"), h.map { "\($0.pid)" } ?? "-",
            ])
        }
        var accountLines = [["ID", "SHARD", "EQUITY", "ADJ EQUITY", "MM", "MARGIN%", "DIST LIQ", "STATE"]]
        for a in top {
            let r = a.result
            accountLines.append([
                TextCell.sanitize(r.accountId), "\(a.shard)", Money.format(r.equity), Money.format(r.adjustedEquity),
                Money.format(r.maintenanceMargin), r.marginRatio.isFinite ? Money.percent(r.marginRatio) : "-",
                r.distance.map { Money.signedPercent($0) } ?? "-", r.state.name,
            ])
        }
        return (
            summary, ClusterView.grid(shardLines, right: [2, 3, 7]),
            ClusterView.grid(accountLines, right: [1, 2, 3, 4, 5, 6])
        )
    }

    /// The merged view as text: the summed counts, a line per shard, then the top accounts.
    public func table() -> String {
        let (summary, shardLines, accountLines) = tableSections()
        var out = summary.joined(separator: "\n") + "\n\n" + shardLines.joined(separator: "\n") + "\n\n"
        out += accountLines.joined(separator: "\n") + "\n"
        if !otherShardCounts.isEmpty {
            out += "\nalso in the store: shards of " + otherShardCounts.map(String.init).joined(separator: ", ") + "\n"
        }
        return out
    }

    static func grid(_ lines: [[String]], right: Set<Int>) -> [String] {
        var widths = [Int](repeating: 0, count: lines.first?.count ?? 0)
        for l in lines { for (i, c) in l.enumerated() { widths[i] = max(widths[i], TextCell.width(c)) } }
        return lines.map { l in
            var line = l.enumerated().map { i, c in
                right.contains(i) ? TextCell.padLeft(c, widths[i]) : TextCell.padRight(c, widths[i])
            }.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            return line
        }
    }
}
