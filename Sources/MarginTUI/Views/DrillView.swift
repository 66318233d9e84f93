import MarginCore
import MarginLive

/// Builds the drill-down as a list of styled lines (scrolled as one document).
func drillDocument(_ s: AppState, _ d: DrillState, _ data: DrillData, width: Int) -> [[Span]] {
    var doc: [[Span]] = []
    let det = data.detail
    let um = det.metrics
    // Already liquidatable (bankrupt included): no move liquidates it; its prices are where it recovers (spec 4).
    let alreadyLiquidatable = det.state == .liquidatable || det.state == .bankrupt
    func section(_ title: String) {
        doc.append([])
        doc.append([Span(title, .tableHeader)])
    }
    func col(_ t: String, _ w: Int, right: Bool = true) -> String {
        let c = TextCell.truncate(TextCell.sanitize(t), width: w)
        return right ? TextCell.padLeft(c, w) : TextCell.padRight(c, w)
    }

    doc.append([
        Span("equity ", .dim), Span(Money.format(um.equity, decimals: 0)), Span("   adjusted equity ", .dim),
        Span(Money.format(um.adjustedEquity, decimals: 0)), Span("   IM ", .dim),
        Span(Money.format(um.initialMargin, decimals: 0)),
        Span("   MM ", .dim), Span(Money.format(um.maintenanceMargin, decimals: 0)),
    ])
    doc.append([
        Span("free collateral ", .dim),
        Span(Money.format(det.freeCollateral, decimals: 0), det.freeCollateral < 0 ? .negative : .text),
        Span("   margin ratio ", .dim), Span(det.marginRatio.map { Fmt.ratio($0) } ?? "inf", Role.of(det.state)),
        Span("   distance to liquidation ", .dim),
        Span(
            alreadyLiquidatable ? "already liquidatable" : det.distanceToLiquidation.map { Fmt.move($0) } ?? "none",
            Role.of(det.state)),
        Span("   netting benefit ", .dim), Span(Money.format(det.nettingBenefit, decimals: 0)),
    ])
    if let v = um.var99, let e = um.es975 {
        doc.append([
            Span("VaR99 (1d) ", .dim), Span(Money.format(v, decimals: 0)), Span("   ES97.5 (1d) ", .dim),
            Span(Money.format(e, decimals: 0)),
        ])
    }
    let spark = Fmt.sparkline(d.marginRatioHistory, width: min(60, max(10, width - 40)))
    let hist = d.marginRatioHistory
    doc.append([
        Span("margin ratio, 1 s samples ", .dim), Span(spark, .sparkline),
        Span(
            hist.isEmpty
                ? "  (collecting…)"
                : "  \(hist.count)s  min \(Fmt.sampledRatio(hist.min() ?? 0)) max \(Fmt.sampledRatio(hist.max() ?? 0))",
            .dim),
    ])

    // What-if.
    if let snap = s.snapshot, let sa = d.shockAsset, sa < snap.marginBook.market.assetCount {
        let name = snap.marginBook.market.assetNames[sa]
        if let h = data.hypothetical {
            doc.append([])
            doc.append([
                Span(" HYPOTHETICAL ", .hypothetical),
                Span(
                    " what-if \(h.asset) \(Fmt.move(h.move)) → \(Fmt.price(h.price))  (live figures above are unchanged)",
                    .hypothetical),
            ])
            doc.append([
                Span(" HYPOTHETICAL ", .hypothetical), Span(" equity ", .dim),
                Span(Money.format(h.metrics.equity, decimals: 0)),
                Span("  adj.eq ", .dim), Span(Money.format(h.metrics.adjustedEquity, decimals: 0)),
                Span("  IM ", .dim), Span(Money.format(h.metrics.initialMargin, decimals: 0)),
                Span("  MM ", .dim), Span(Money.format(h.metrics.maintenanceMargin, decimals: 0)),
                Span("  ratio ", .dim), Span(h.marginRatio.map { Fmt.ratio($0) } ?? "inf", Role.of(h.state)),
                Span("  state ", .dim), Span(h.state.name, Role.of(h.state)),
            ])
        } else {
            doc.append([
                Span("what-if: ", .dim), Span(name, .tableHeader),
                Span(" at the live price; + / - move it by 5%, [ ] choose the asset", .dim),
            ])
        }
    }

    if alreadyLiquidatable {
        section("RECOVERY PRICES (already liquidatable)")
        doc.append([
            Span("  each asset moved alone: the price at which adjusted equity covers MM again", .dim)
        ])
    } else {
        section("LIQUIDATION PRICES")
    }
    if det.liquidationPrices.isEmpty {
        doc.append([
            Span(
                alreadyLiquidatable
                    ? "  none within [0.01 P, 11 P]: no single price brings it back" : "  none within [0.01 P, 11 P]",
                .dim)
        ])
    } else if let snap = s.snapshot {
        var spans: [Span] = []
        for (asset, p) in det.liquidationPrices {
            let cur = snap.marginBook.market.assetIndex[asset].map { snap.prices.assetPrice[$0] } ?? p
            spans += [
                Span("  \(asset) ", .tableHeader), Span(Fmt.price(p)),
                Span(" (\(Fmt.move(cur != 0 ? p / cur - 1 : 0)))", .dim),
            ]
        }
        doc.append(spans)
    }

    section("GREEKS PER UNDERLYING (pooled)")
    doc.append([
        Span(
            "  " + col("ASSET", 8, right: false) + col("DELTA", 14) + col("GAMMA", 14) + col("VEGA", 14)
                + col("THETA/day", 14), .tableHeader)
    ])
    for (asset, g) in det.greeks {
        doc.append([
            Span(
                "  " + col(asset, 8, right: false) + col(Fmt.fit(g.delta, decimals: 4, width: 14), 14)
                    + col(Fmt.fit(g.gamma, decimals: 6, width: 14), 14)
                    + col(Money.format(g.vega), 14) + col(Money.format(g.theta), 14))
        ])
    }

    // SHARE: each line's part of the gross weighted collateral (the holdings add up to 100%); borrows apart.
    section("COLLATERAL (SHARE: of the gross weighted collateral; borrows apart)")
    let barW = max(6, min(24, width - 118))
    let collHead =
        "  " + col("SUB", 8, right: false) + col("ASSET", 6, right: false) + col("VENUE", 9, right: false)
        + col("AMOUNT", 16) + col("PRICE", 12) + col("VALUE", 14)
    doc.append([Span(collHead + col("HAIRCUT", 8) + col("WEIGHTED", 14) + col("SHARE", 8) + " ", .tableHeader)])
    func line(_ c: CollateralBreakdown) -> [Span] {
        let text =
            "  " + col(c.subaccount, 8, right: false) + col(c.asset, 6, right: false)
            + col(c.venue ?? "-", 9, right: false)
            + col(Money.format(c.amount, decimals: 4), 16) + col(Fmt.price(c.price), 12)
            + col(Money.format(c.value, decimals: 0), 14)
            + col(Money.percent(c.haircut, decimals: 1), 8) + col(Money.format(c.weighted, decimals: 0), 14)
            + col(c.share.map { Money.percent($0, decimals: 1) } ?? "-", 8) + " "
        let borrow = c.amount < 0
        return [
            Span(text, borrow ? .negative : .text),
            Span(Fmt.bar(abs(c.share ?? 0), width: barW), borrow ? .negative : .bar),
        ]
    }
    let holdings = data.collateral.filter { $0.amount >= 0 }
    let borrows = data.collateral.filter { $0.amount < 0 }
    if holdings.isEmpty { doc.append([Span("  no collateral held", .dim)]) }
    for c in holdings { doc.append(line(c)) }
    if !holdings.isEmpty {
        let gross = holdings.reduce(0) { $0 + $1.weighted }
        doc.append([
            Span("  " + col("gross weighted collateral", 73, right: false), .dim),
            Span(col(Money.format(gross, decimals: 0), 14) + col(gross > 0 ? "100.0%" : "-", 8)),
        ])
    }
    if !borrows.isEmpty {
        doc.append([
            Span("  borrows (weighted at 1 + add-on; SHARE: the part of the collateral above they offset)", .dim)
        ])
        for c in borrows { doc.append(line(c)) }
    }

    section("SUB-ACCOUNTS")
    doc.append([
        Span(
            "  " + col("ID", 12, right: false) + col("POSITIONS", 10) + col("COLLATERAL", 11)
                + col("STAND-ALONE MM", 16), .tableHeader)
    ])
    for sub in data.subaccounts {
        doc.append([
            Span(
                "  " + col(sub.id, 12, right: false) + col("\(sub.positions)", 10) + col("\(sub.collateralLines)", 11)
                    + col(Money.format(sub.standaloneMM, decimals: 0), 16))
        ])
    }
    doc.append([
        Span("  pooled MM ", .dim), Span(Money.format(um.maintenanceMargin, decimals: 0)),
        Span("   netting benefit ", .dim),
        Span(Money.format(det.nettingBenefit, decimals: 0), det.nettingBenefit >= 0 ? .positive : .negative),
        Span(data.model == .standard ? "" : "  (0 for \(data.model.rawValue) accounts)", .dim),
    ])

    section("POSITIONS (IM/MM stand-alone per line)")
    doc.append([
        Span(
            "  " + col("INSTRUMENT", 20, right: false) + col("SUB", 8, right: false) + col("QTY", 11) + col("ENTRY", 11)
                + col("MARK", 11) + col("uPnL", 12) + col("IM", 11) + col("MM", 11) + col("DELTA", 10)
                + col("GAMMA", 10)
                + col("VEGA", 10) + col("THETA", 10), .tableHeader)
    ])
    if data.positions.isEmpty { doc.append([Span("  no positions", .dim)]) }
    for p in data.positions {
        let g = p.greeks
        let text =
            "  " + col(p.instrument + (p.isolated ? " [iso]" : ""), 20, right: false)
            + col(p.subaccount, 8, right: false)
            + col(Money.format(p.quantity, decimals: 3), 11) + col(Fmt.price(p.entryPrice), 11)
            + col(Fmt.price(p.mark), 11)
        doc.append([
            Span(text),
            Span(col(Money.format(p.unrealizedPnL, decimals: 0), 12), p.unrealizedPnL >= 0 ? .positive : .negative),
            Span(
                col(Fmt.compact(p.initialMargin), 11) + col(Fmt.compact(p.maintenanceMargin), 11)
                    + col(Fmt.fit(g.delta, decimals: 3, width: 10), 10)
                    + col(Fmt.fit(g.gamma, decimals: 5, width: 10), 10) + col(Fmt.compact(g.vega), 10)
                    + col(Fmt.compact(g.theta), 10)),
        ])
    }

    section("ISOLATED BUCKETS")
    if det.buckets.isEmpty { doc.append([Span("  none", .dim)]) }
    for bk in det.buckets {
        doc.append([
            Span("  " + col(bk.instrument, 20, right: false) + col(bk.subaccount, 8, right: false)), Span(" AE ", .dim),
            Span(Money.format(bk.metrics.adjustedEquity, decimals: 0)), Span("  MM ", .dim),
            Span(Money.format(bk.metrics.maintenanceMargin, decimals: 0)), Span("  ratio ", .dim),
            Span(bk.marginRatio.map { Fmt.ratio($0) } ?? "inf", Role.of(bk.state)), Span("  ", .dim),
            Span(bk.state.name, Role.of(bk.state)), Span("  liq. price ", .dim),
            Span(bk.liquidationPrice.map { Fmt.price($0) } ?? "none"),
        ])
    }

    section("STRESS: equity P&L, every non-stable price moved together")
    var head = "  " + col("", 10, right: false)
    for mv in DrillData.stressMoves { head += col(Fmt.move(mv), 11) }
    doc.append([Span(head, .tableHeader)])
    for (vi, v) in DrillData.stressVols.enumerated() {
        var spans = [Span("  " + col(v.label, 10, right: false), .tableHeader)]
        for (mi, pnl) in data.stress[vi].enumerated() {
            let st = data.stressState[vi][mi]
            let role: Role = st >= .danger ? Role.of(st) : (pnl > 0.5 ? .positive : (pnl < -0.5 ? .negative : .text))
            spans.append(Span(col(Fmt.compactUnits(pnl), 11), role))
        }
        doc.append(spans)
    }
    doc.append([Span("  cells in danger/liquidatable/bankrupt colours show the state at that move", .dim)])

    section("REVIEWS OF THIS ACCOUNT")
    let reviews = s.queue.rows.filter { $0.account == data.id }
    if reviews.isEmpty { doc.append([Span(s.queue.loadedAt == nil ? "  loading…" : "  none", .dim)]) }
    for r in reviews {
        doc.append([
            Span(
                "  " + col(Review.label(r.id), 14, right: false) + col(r.status.rawValue, 13, right: false)
                    + col(Fmt.age(max(0, s.now - r.openedAt)), 8) + "  " + col(r.openedBy, 12, right: false)),
            Span(r.latestNote, .dim),
        ])
    }
    return doc
}

/// The largest useful scroll of the drill-down: its last screen at the top (0 before its figures arrive).
func drillMaxScroll(_ s: AppState) -> Int {
    guard let d = s.drill, let data = d.data else { return 0 }
    return max(0, drillDocument(s, d, data, width: s.cols).count - Layout.drillHeight(s))
}

func renderDrill(_ s: AppState, _ b: inout CellBuffer) {
    renderTitleBar(s, &b, screenName: "account")
    guard let d = s.drill else { return }
    guard let data = d.data else {
        if d.gone {
            b.put(row: 2, col: 1, "Account \(d.accountId) is no longer in the book.", role: .error)
        } else {
            b.put(row: 2, col: 1, "Computing the figures of \(d.accountId)…", role: .dim)
        }
        return
    }
    var head: [Span] = [
        Span(" "), Span(data.id, .tableHeader), Span("  "), Span(data.name), Span("  model ", .dim),
        Span(data.model.rawValue),
        Span("  state ", .dim), Span(data.detail.state.name, Role.of(data.detail.state)),
    ]
    if let h = data.hypothetical {
        head += [Span("   "), Span(" HYPOTHETICAL \(h.asset) \(Fmt.move(h.move)) ", .hypothetical)]
    }
    let headEnd = b.put(row: 1, col: 0, spans: head)
    let doc = drillDocument(s, d, data, width: b.cols)
    let h = Layout.drillHeight(s)
    let scroll = max(0, min(d.scroll, doc.count - h))
    for (i, line) in doc[min(scroll, doc.count)..<min(doc.count, scroll + h)].enumerated() {
        b.put(row: 2 + i, col: 1, spans: line, maxCol: b.cols - 1)
    }
    if doc.count > h {
        let pos = "lines \(scroll + 1)-\(min(doc.count, scroll + h))/\(doc.count)"
        if headEnd + TextCell.width(pos) + 2 <= b.cols {
            b.put(row: 1, col: b.cols - TextCell.width(pos) - 1, pos, role: .dim)
        }
    }
}
