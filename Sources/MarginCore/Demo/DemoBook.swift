import Foundation

extension SplitMix64 {
    /// Student-t with `dof` degrees of freedom scaled to unit variance (fat tails).
    mutating func fatTailed(dof: Int = 4) -> Double {
        var chi = 0.0
        for _ in 0..<dof {
            let z = nextNormal()
            chi += z * z
        }
        let t = nextNormal() / (chi / Double(dof)).squareRoot()
        return t * ((Double(dof) - 2) / Double(dof)).squareRoot()
    }
}

/// A realistic generated book: several assets including stables, perpetuals
/// with brackets, futures, an options chain, venues, 250 days of correlated
/// fat-tailed history, and accounts spread over every state, some with
/// sub-accounts, borrows and isolated positions.
public enum DemoBook {
    public static let asOf = "2026-11-24T12:00:00Z"

    /// Generates `accounts` accounts with `seed`. The share of states is set by
    /// sizing each account's stable collateral to a drawn target margin ratio.
    public static func generate(accounts count: Int, seed: UInt64 = 1) -> Book {
        // One step in from `seed`, as demo books have always been drawn (the same seed, the same book).
        var rng = SplitMix64(seed: seed &+ SplitMix64.gamma)
        var book = market(&rng)
        // The fund grows with the book (125k per account past 200), as a venue's would: a fixed
        // fund would show a 100k-account demo socialising most of its losses.
        book.insuranceFund = 25_000_000 * max(1, Double(count) / 200)
        var accounts: [Account] = []
        accounts.reserveCapacity(count)
        for n in 0..<count { accounts.append(account(n, &rng, book)) }
        book.accounts = accounts
        balance(&book, &rng)
        return book
    }

    static func market(_ rng: inout SplitMix64) -> Book {
        guard let t = Timestamp.parse(asOf) else { preconditionFailure("demo asOf is a constant") }
        var b = Book(asOf: t)
        b.insuranceFund = 25_000_000
        b.assets = [
            Asset(name: "USDC", price: nil, stable: true, haircut: 0, borrowAddOn: 0.05),
            Asset(name: "USDT", price: 1, stable: true, haircut: 0.01, borrowAddOn: 0.06),
            Asset(
                name: "BTC", price: 60000, haircut: 0.05, borrowAddOn: 0.10, vol: 0.55, scanRange: 0.15,
                volScanRange: 0.10),
            Asset(
                name: "ETH", price: 3000, haircut: 0.08, borrowAddOn: 0.12, vol: 0.70, scanRange: 0.20,
                volScanRange: 0.12),
            Asset(
                name: "SOL", price: 150, haircut: 0.15, borrowAddOn: 0.20, vol: 0.95, scanRange: 0.30,
                volScanRange: 0.15),
        ]
        b.venues = [
            Venue(name: "deribit"), Venue(name: "binance", haircutAddOn: 0.01),
            Venue(name: "okx", haircutAddOn: 0.01),
            Venue(name: "arbitrum", haircutAddOn: 0.02, transferLatencySeconds: 900),
        ]
        func brackets(_ base: Double, _ imf: Double, _ mmf: Double) -> [Bracket] {
            [
                Bracket(upTo: base, imf: imf, mmf: mmf), Bracket(upTo: base * 4, imf: imf * 2, mmf: mmf * 2),
                Bracket(upTo: base * 20, imf: imf * 5, mmf: mmf * 5), Bracket(upTo: nil, imf: imf * 10, mmf: mmf * 10),
            ]
        }
        let dec = Timestamp.parse("2026-12-27T08:00:00Z")
        let mar = Timestamp.parse("2027-03-26T08:00:00Z")
        b.instruments = [
            Instrument(
                name: "BTC-PERP", kind: .perpetual, underlying: "BTC", mark: 60010,
                brackets: brackets(250_000, 0.02, 0.01)),
            Instrument(
                name: "ETH-PERP", kind: .perpetual, underlying: "ETH", mark: 2999,
                brackets: brackets(100_000, 0.025, 0.0125)),
            Instrument(name: "SOL-PERP", kind: .perpetual, underlying: "SOL", brackets: brackets(50_000, 0.05, 0.025)),
            Instrument(
                name: "BTC-27DEC26", kind: .future, underlying: "BTC", mark: 60450,
                brackets: brackets(500_000, 0.03, 0.015), expiry: dec),
            Instrument(
                name: "ETH-27DEC26", kind: .future, underlying: "ETH", mark: 3018,
                brackets: brackets(200_000, 0.03, 0.015), expiry: dec),
        ]
        for (exp, label, ivBase) in [(dec, "27DEC26", 0.58), (mar, "26MAR27", 0.62)] {
            for k in stride(from: 50000.0, through: 70000.0, by: 5000) {
                for right in [OptionRight.call, .put] {
                    let skew = 0.04 * abs(k - 60000) / 10000
                    b.instruments.append(
                        Instrument(
                            name: "BTC-\(label)-\(Int(k))-\(right == .call ? "C" : "P")", kind: .option,
                            underlying: "BTC",
                            expiry: exp, right: right, strike: k, iv: ivBase + skew))
                }
            }
        }
        for k in stride(from: 2500.0, through: 3500.0, by: 250) {
            for right in [OptionRight.call, .put] {
                b.instruments.append(
                    Instrument(
                        name: "ETH-27DEC26-\(Int(k))-\(right == .call ? "C" : "P")", kind: .option, underlying: "ETH",
                        expiry: dec, right: right, strike: k))
            }
        }
        // 250 days of joint returns: one market factor, fat-tailed shocks, a volatile regime.
        let days = 250
        guard let end = Timestamp.parse("2026-11-23T00:00:00Z") else { return b }
        var dates: [String] = []
        for d in 0..<days {
            dates.append(String(Timestamp.format(end.epochSeconds - Double(days - 1 - d) * 86400).prefix(10)))
        }
        let vols = ["BTC": 0.55, "ETH": 0.70, "SOL": 0.95]
        let beta = ["BTC": 0.85, "ETH": 0.9, "SOL": 0.8]
        var series: [String: [Double]] = ["BTC": [], "ETH": [], "SOL": []]
        for d in 0..<days {
            let regime = (d / 40) % 3 == 2 ? 1.8 : 1.0
            let market = rng.fatTailed()
            for a in ["BTC", "ETH", "SOL"] {
                let daily = (vols[a] ?? 0.5) / 365.0.squareRoot() * regime
                let be = beta[a] ?? 0.8
                let z = be * market + (1 - be * be).squareRoot() * rng.fatTailed()
                series[a, default: []].append(max(-0.6, daily * z))
            }
        }
        b.history = History(
            dates: dates, returns: ["BTC", "ETH", "SOL"].map { AssetReturns(asset: $0, values: series[$0] ?? []) })
        return b
    }

    static let firms = [
        "Alpha", "Borealis", "Cobalt", "Delta Neutral", "Ember", "Fjord", "Granite", "Halcyon", "Ironwood",
        "Juniper", "Kestrel", "Lumen", "Meridian", "Nimbus", "Obsidian", "Pinnacle", "Quasar", "Redwood",
        "Sable", "Tundra", "Umbra", "Vantage", "Willow", "Xenon", "Yarrow", "Zephyr", "東京", "서울", "Zürich",
    ]
    static let kinds = ["Fund", "Capital", "Trading", "Partners", "Macro", "Arbitrage", "Quant", "Desk", "Labs"]

    static func account(_ n: Int, _ rng: inout SplitMix64, _ book: Book) -> Account {
        let modelDraw = rng.nextUnit()
        let model: MarginModel = modelDraw < 0.70 ? .standard : modelDraw < 0.90 ? .portfolio : .es
        let size = exp(rng.nextNormal() * 1.3 + log(250_000))
        let subCount = rng.chance(0.2) ? 2 + Int(rng.next() % 2) : 1
        var subs: [SubAccount] = []
        let perps = ["BTC-PERP", "ETH-PERP", "SOL-PERP", "BTC-27DEC26", "ETH-27DEC26"]
        let options = book.instruments.filter { $0.kind == .option }.map(\.name)
        let prices = ["BTC": 60000.0, "ETH": 3000.0, "SOL": 150.0]
        for s in 0..<subCount {
            var sub = SubAccount(id: s == 0 ? "main" : ["hedge", "basis", "options"][s - 1])
            sub.collateral.append(
                CollateralLine(
                    asset: rng.chance(0.7) ? "USDC" : "USDT", amount: size / Double(subCount),
                    venue: rng.pick(["deribit", "binance", "okx"])))
            if rng.chance(0.35) {
                let a = rng.pick(["BTC", "ETH", "SOL"])
                sub.collateral.append(
                    CollateralLine(
                        asset: a, amount: (size * 0.3 / (prices[a] ?? 1) * 1e4).rounded() / 1e4,
                        venue: rng.pick(["deribit", "arbitrum", "binance"])))
            }
            if rng.chance(0.08) {
                let a = rng.pick(["USDC", "BTC", "ETH"])
                sub.collateral.append(
                    CollateralLine(
                        asset: a, amount: -(size * 0.1 / (prices[a] ?? 1) * 1e4).rounded() / 1e4,
                        venue: rng.pick(["deribit", "okx"])))
            }
            let positionCount = subCount == 1 ? 2 + Int(rng.next() % 4) : 1 + Int(rng.next() % 3)
            for _ in 0..<positionCount {
                if rng.chance(0.75) {
                    let inst = rng.pick(perps)
                    let und = String(inst.prefix(3))
                    let px = prices[und] ?? 1
                    let lev = 0.5 + rng.nextUnit() * 4
                    let q =
                        ((rng.chance(0.5) ? 1 : -1) * size * lev / Double(positionCount) / px * 1000).rounded() / 1000
                    guard q != 0 else { continue }
                    var p = Position(
                        instrument: inst, quantity: q, entryPrice: (px * (1 + 0.03 * rng.nextNormal())).rounded())
                    if rng.chance(0.05) {
                        p.isolatedCollateral = (abs(q) * px * (0.05 + 0.2 * rng.nextUnit())).rounded()
                    }
                    sub.positions.append(p)
                } else {
                    let inst = rng.pick(options)
                    let und = String(inst.prefix(3))
                    let px = prices[und] ?? 1
                    let q =
                        ((rng.chance(0.6) ? -1 : 1) * size * (0.2 + rng.nextUnit()) / Double(positionCount) / px * 100)
                        .rounded() / 100
                    guard q != 0 else { continue }
                    sub.positions.append(
                        Position(
                            instrument: inst, quantity: q, entryPrice: (px * 0.05 * (0.5 + rng.nextUnit())).rounded()))
                }
            }
            subs.append(sub)
        }
        let name = "\(rng.pick(firms)) \(rng.pick(kinds))" + (n >= firms.count * kinds.count ? " \(n / 100)" : "")
        return Account(id: "ACC-\(100_000 + n)", name: name, model: model, subaccounts: subs)
    }

    /// Sizes each account's first stable line so its margin ratio lands on a
    /// drawn target: about 55% safe, 17% warning, 12% danger, 10% liquidatable, 6% bankrupt.
    static func balance(_ book: inout Book, _ rng: inout SplitMix64) {
        let mb = MarginBook(book: book)
        let state = PriceState(book: book)
        let quotes = Quotes(market: mb.market, portfolio: mb.usesPortfolio, es: mb.usesES)
        quotes.update(state)
        let results = BookResults(unitCount: mb.unitCount)
        mb.computeAll(quotes, into: results)
        for a in 0..<book.accounts.count {
            let mm = results.maintenanceMargin[a]
            guard mm > 0 else { continue }
            let line = book.accounts[a].subaccounts[0].collateral[0]
            let asset = mb.market.assetIndex[line.asset] ?? 0
            let venueAddOn = line.venue.flatMap { mb.market.venueIndex[$0] }.map { mb.market.venueAddOn[$0] } ?? 0
            let w =
                line.amount > 0 ? 1 - min(1, mb.market.haircut[asset] + venueAddOn) : 1 + mb.market.borrowAddOn[asset]
            let aeRest = results.adjustedEquity[a] - line.amount * w
            let eRest = results.equity[a] - line.amount
            let draw = rng.nextUnit()
            var amount: Double
            if draw < 0.06 {
                amount = -eRest - mm * (0.05 + rng.nextUnit() * 0.5)
            } else {
                let target: Double
                switch draw {
                case ..<0.16: target = 1.0 + rng.nextUnit() * 0.5
                case ..<0.28: target = 0.9 + rng.nextUnit() * 0.1
                case ..<0.45: target = 0.7 + rng.nextUnit() * 0.2
                default: target = 0.05 + rng.nextUnit() * 0.6
                }
                let need = mm / target - aeRest
                amount =
                    need >= 0
                    ? need / (1 - min(1, mb.market.haircut[asset] + venueAddOn))
                    : need / (1 + mb.market.borrowAddOn[asset])
            }
            amount = (amount * 100).rounded() / 100
            book.accounts[a].subaccounts[0].collateral[0].amount = amount
        }
    }
}
