import Foundation
import MarginCore
import MarginFeeds

/// `bench --analysis`: distance to liquidation and liquidation prices of every account
/// (``BatchAnalyzer``, all cores), timed per model, as `snapshot` and the live engine run it.
public enum AnalysisBench {
    public struct ModelFigures: Sendable {
        public var model: MarginModel
        public var accounts = 0
        /// Accounts whose search took the per-account re-pricing (they hold options).
        public var repriced = 0
        public var seconds = 0.0
        public var accountsPerSecond: Double { seconds > 0 ? Double(accounts) / seconds : 0 }
    }

    public struct Figures: Sendable {
        public var accounts = 0
        public var threads = 1
        public var totalSeconds = 0.0
        /// Distances only (the live rotation's pass), whole book.
        public var distanceOnlySeconds = 0.0
        public var perModel: [ModelFigures] = []

        public func json() -> JSONValue {
            .object([
                ("mode", .string("analysis")), ("accounts", .integer(accounts)), ("threads", .integer(threads)),
                ("totalSeconds", .number(totalSeconds)),
                ("accountsPerSecond", .number(totalSeconds > 0 ? Double(accounts) / totalSeconds : 0)),
                ("distanceOnlySeconds", .number(distanceOnlySeconds)),
                (
                    "models",
                    .object(
                        perModel.map { m in
                            (
                                m.model.rawValue,
                                .object([
                                    ("accounts", .integer(m.accounts)), ("withOptions", .integer(m.repriced)),
                                    ("seconds", .number(m.seconds)),
                                    ("accountsPerSecond", .number(m.accountsPerSecond)),
                                ])
                            )
                        })
                ),
            ])
        }

        public func text() -> String {
            var s = String(
                format: "analysis of %d accounts on %d threads: %.3f s (%.0f accounts/s); distances only %.3f s\n",
                accounts, threads, totalSeconds, totalSeconds > 0 ? Double(accounts) / totalSeconds : 0,
                distanceOnlySeconds)
            for m in perModel {
                s += String(
                    format: "  %-9@ %8d accounts (%d with options)  %.3f s  %.0f accounts/s\n",
                    m.model.rawValue as NSString, m.accounts, m.repriced, m.seconds, m.accountsPerSecond)
            }
            return s
        }
    }

    /// Analyses every account of `book` at its own prices, then each model's accounts alone.
    public static func run(book: Book, model: MarginModel?, threads: Int = BatchAnalyzer.defaultThreads) -> Figures {
        let mb = MarginBook(book: book, modelOverride: model)
        let prices = PriceState(book: book)
        let analyzer = BatchAnalyzer(book: mb)
        let clock = ContinuousClock()
        var f = Figures(accounts: mb.accountCount, threads: threads)
        let all = Array(0..<mb.accountCount)
        var t0 = clock.now
        _ = analyzer.analyze(all, at: prices, threads: threads)
        f.totalSeconds = seconds(clock.now - t0)
        t0 = clock.now
        _ = analyzer.analyze(all, at: prices, liquidationPrices: false, threads: threads)
        f.distanceOnlySeconds = seconds(clock.now - t0)
        for m in MarginModel.allCases {
            let accounts = all.filter { mb.model[$0] == m }
            guard !accounts.isEmpty else { continue }
            var mf = ModelFigures(model: m, accounts: accounts.count)
            mf.repriced =
                accounts.filter { a in mb.netExposure(ofUnit: a).contains { mb.market.kind[$0.0] == .option } }
                .count
            t0 = clock.now
            _ = analyzer.analyze(accounts, at: prices, threads: threads)
            mf.seconds = seconds(clock.now - t0)
            f.perModel.append(mf)
        }
        return f
    }

    static func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18
    }

    /// `bench --decode`: Binance all-symbols mark-price frames through the feed core.
    public static func decodeReport(json: Bool) -> String {
        let frames = 500
        let tps = measureBinanceDecode(symbols: 600, frames: frames)
        if json {
            return JSONWriter(pretty: false).write(
                .object([
                    ("mode", .string("decode")), ("adapter", .string("binance")),
                    ("symbolsPerFrame", .integer(600)), ("frames", .integer(frames)),
                    ("ticksPerSecond", .number(tps)),
                ])) + "\n"
        }
        return String(
            format: "binance all-symbols frames (600 symbols): %.0f ticks/s decoded, mapped and delivered\n", tps)
    }
}
