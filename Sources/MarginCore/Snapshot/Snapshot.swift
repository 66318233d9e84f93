/// One computation of every account of a book, in liquidation-priority order
/// (`margintop snapshot`).
public struct Snapshot: Sendable {
    public struct Row: Sendable, Equatable {
        public var id: String
        public var name: String
        public var model: MarginModel
        public var detail: AccountDetail
    }

    public var asOf: String
    public var rows: [Row]
    public var counts: [AccountState: Int]
    public var shortfall: Double
    public var insuranceFund: Double
    public var socializedLoss: Double { max(0, shortfall - insuranceFund) }

    /// Computes the snapshot of `book` at its own prices.
    /// - Parameters:
    ///   - asOf: overrides the book's valuation time (option `T`), echoed in the output.
    ///   - model: overrides every account's model.
    public static func compute(book: Book, asOf: Timestamp? = nil, model: MarginModel? = nil) throws(BookError)
        -> Snapshot
    {
        if model == .es, book.history?.dates.isEmpty ?? true {
            throw BookError(path: "history", message: "--model es needs the book's history, and the book has none")
        }
        let marginBook = MarginBook(book: book, modelOverride: model)
        let state = PriceState(book: book, asOf: asOf?.epochSeconds)
        let quotes = Quotes(market: marginBook.market, portfolio: marginBook.usesPortfolio, es: marginBook.usesES)
        quotes.update(state)
        let results = BookResults(unitCount: marginBook.unitCount)
        marginBook.computeAll(quotes, into: results)
        let order = results.priorityOrder(accountCount: marginBook.accountCount, ids: marginBook.accountIds)
        let liquidation = BatchAnalyzer(book: marginBook).analyze(order, at: state)
        let buckets = Array(marginBook.accountCount..<marginBook.unitCount)
        let bucketPrices = BatchAnalyzer.bucketPrices(
            buckets, book: marginBook, at: state, threads: BatchAnalyzer.defaultThreads)
        // Each account's detail on its own thread's analyzer (scratch quotes), in priority order.
        let analyzerOfThread = { @Sendable in Analyzer(book: marginBook, base: state) }
        let rows = parallelMap(order.count, threads: BatchAnalyzer.defaultThreads, context: analyzerOfThread) {
            analyzer, k in
            let a = order[k]
            let first = marginBook.bucketStart[a] - marginBook.accountCount
            let last = marginBook.bucketStart[a + 1] - marginBook.accountCount
            return Row(
                id: book.accounts[a].id, name: book.accounts[a].displayName, model: marginBook.model[a],
                detail: analyzer.detail(
                    account: a, source: book.accounts[a], liquidation: liquidation[k],
                    bucketPrices: Array(bucketPrices[first..<last])))
        }
        let (counts, shortfall) = results.summary(accountCount: marginBook.accountCount)
        return Snapshot(
            asOf: (asOf ?? book.asOf).text, rows: rows, counts: counts, shortfall: shortfall,
            insuranceFund: book.insuranceFund)
    }

    // MARK: - Output

    /// The `margintop.snapshot/1` document of book-format.md.
    public func json() -> JSONValue {
        func num(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        var summaryMembers: [(String, JSONValue)] = [
            ("accounts", .integer(rows.count)),
            ("safe", .integer(counts[.safe] ?? 0)),
            ("warning", .integer(counts[.warning] ?? 0)),
            ("danger", .integer(counts[.danger] ?? 0)),
            ("liquidatable", .integer(counts[.liquidatable] ?? 0)),
            ("bankrupt", .integer(counts[.bankrupt] ?? 0)),
        ]
        // A validated book never overflows; the key appears only if an account's figures do.
        if let e = counts[.error], e > 0 { summaryMembers.append(("error", .integer(e))) }
        summaryMembers += [
            ("shortfall", .number(shortfall)),
            ("insuranceFund", .number(insuranceFund)),
            ("socializedLoss", .number(socializedLoss)),
        ]
        let summary: JSONValue = .object(summaryMembers)
        let accounts: [JSONValue] = rows.map { r in
            let d = r.detail
            return .object([
                ("id", .string(r.id)),
                ("name", .string(r.name)),
                ("model", .string(r.model.rawValue)),
                ("equity", .number(d.metrics.equity)),
                ("adjustedEquity", .number(d.metrics.adjustedEquity)),
                ("initialMargin", .number(d.metrics.initialMargin)),
                ("maintenanceMargin", .number(d.metrics.maintenanceMargin)),
                ("marginRatio", num(d.marginRatio)),
                ("freeCollateral", .number(d.freeCollateral)),
                ("state", .string(d.state.name)),
                ("distanceToLiquidation", num(d.distanceToLiquidation)),
                ("liquidationPrices", .object(d.liquidationPrices.map { ($0.asset, .number($0.price)) })),
                (
                    "greeks",
                    .object(
                        d.greeks.map { g in
                            (
                                g.asset,
                                .object([
                                    ("delta", .number(g.greeks.delta)), ("gamma", .number(g.greeks.gamma)),
                                    ("vega", .number(g.greeks.vega)), ("theta", .number(g.greeks.theta)),
                                ])
                            )
                        })
                ),
                ("nettingBenefit", .number(d.nettingBenefit)),
                ("var99", num(d.metrics.var99)),
                ("es975", num(d.metrics.es975)),
                (
                    "isolated",
                    .array(
                        d.buckets.map { b in
                            .object([
                                ("instrument", .string(b.instrument)),
                                ("subaccount", .string(b.subaccount)),
                                ("adjustedEquity", .number(b.metrics.adjustedEquity)),
                                ("maintenanceMargin", .number(b.metrics.maintenanceMargin)),
                                ("marginRatio", num(b.marginRatio)),
                                ("state", .string(b.state.name)),
                                ("liquidationPrice", num(b.liquidationPrice)),
                            ])
                        })
                ),
            ])
        }
        return .object([
            ("format", .string("margintop.snapshot/1")),
            ("asOf", .string(asOf)),
            ("summary", summary),
            ("accounts", .array(accounts)),
        ])
    }

    static let csvColumns = [
        "id", "name", "model", "state", "equity", "adjustedEquity", "initialMargin",
        "maintenanceMargin", "marginRatio", "freeCollateral", "distanceToLiquidation",
        "nettingBenefit", "var99", "es975", "liquidationPrices", "isolatedBuckets",
    ]

    /// RFC 4180 CSV, one row per account in priority order; empty cells for null. Control
    /// characters in names are shown, never written (`TextCell.escapeControls`).
    public func csv() -> String {
        func cell(_ raw: String) -> String {
            let s = TextCell.escapeControls(raw)
            return s.contains(where: { $0 == "," || $0 == "\"" })
                ? "\"" + s.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : s
        }
        func num(_ x: Double?) -> String { x.flatMap { $0.isFinite ? JSONWriter.number($0) : nil } ?? "" }
        var out = Snapshot.csvColumns.joined(separator: ",") + "\r\n"
        for r in rows {
            let d = r.detail
            let fields = [
                cell(r.id), cell(r.name), r.model.rawValue, d.state.name, num(d.metrics.equity),
                num(d.metrics.adjustedEquity), num(d.metrics.initialMargin), num(d.metrics.maintenanceMargin),
                num(d.marginRatio), num(d.freeCollateral), num(d.distanceToLiquidation), num(d.nettingBenefit),
                num(d.metrics.var99), num(d.metrics.es975),
                cell(d.liquidationPrices.map { "\($0.asset)=\(JSONWriter.number($0.price))" }.joined(separator: ";")),
                String(d.buckets.count),
            ]
            out += fields.joined(separator: ",") + "\r\n"
        }
        return out
    }

    /// A plain-text table for people, with the summary underneath.
    public func table() -> String {
        let headers = ["ID", "NAME", "MODEL", "EQUITY", "ADJ EQUITY", "IM", "MM", "MARGIN%", "DIST LIQ", "STATE"]
        var lines: [[String]] = [headers]
        for r in rows {
            let d = r.detail
            lines.append([
                TextCell.sanitize(r.id), TextCell.truncate(TextCell.sanitize(r.name), width: 24), r.model.rawValue,
                Money.format(d.metrics.equity), Money.format(d.metrics.adjustedEquity),
                Money.format(d.metrics.initialMargin), Money.format(d.metrics.maintenanceMargin),
                d.marginRatio.map { Money.percent($0) } ?? "-",
                d.distanceToLiquidation.map { Money.signedPercent($0) } ?? "-",
                d.state.name,
            ])
        }
        let rightAligned: Set<Int> = [3, 4, 5, 6, 7, 8]
        var widths = [Int](repeating: 0, count: headers.count)
        for l in lines { for (i, c) in l.enumerated() { widths[i] = max(widths[i], TextCell.width(c)) } }
        var out = ""
        for l in lines {
            let cells = l.enumerated().map { i, c in
                rightAligned.contains(i) ? TextCell.padLeft(c, widths[i]) : TextCell.padRight(c, widths[i])
            }
            var line = cells.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        let c = counts
        out +=
            "\n\(rows.count) accounts as of \(asOf): \(c[.safe] ?? 0) safe, \(c[.warning] ?? 0) warning, "
            + "\(c[.danger] ?? 0) danger, \(c[.liquidatable] ?? 0) liquidatable, \(c[.bankrupt] ?? 0) bankrupt\n"
        out +=
            "shortfall \(Money.format(shortfall)) vs insurance fund \(Money.format(insuranceFund)); "
            + "socialized loss \(Money.format(socializedLoss))\n"
        return out
    }
}
