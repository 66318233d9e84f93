import Foundation
import Logging

/// A simulated market feed for demos and benchmarks (see ``SimMarket`` for the model).
///
/// Emits ticks round-robin over every series at `rate` ticks per second of wall time
/// (``FeedClock`` time); market time runs `acceleration` times faster so moves are visible.
/// Seeded: the same universe, seed and rate give the same ticks.
public final class SimFeed: CoreBackedFeed {
    public let core: FeedCore
    public let universe: SimUniverse
    public let options: SimOptions

    public init(universe: SimUniverse = .demo, options: SimOptions = SimOptions(), clock: any FeedClock = SystemFeedClock(), logger: Logger? = nil) {
        self.universe = universe
        self.options = options
        core = FeedCore(name: "sim", clock: clock, logger: logger) { core in
            await Self.run(core: core, universe: universe, options: options)
        }
    }

    static func run(core: FeedCore, universe: SimUniverse, options: SimOptions) async {
        let seriesCount = universe.assets.count + universe.instruments.count
        guard seriesCount > 0 else { return }
        let rate = options.rate
        // Market seconds per round of all series.
        let roundsPerSecond = rate / Double(seriesCount)
        var market = SimMarket(universe: universe, seed: options.seed, dt: options.acceleration / roundsPerSecond)
        let series = market.series
        var values: [Double] = []
        core.setStatus(.live)
        // Wake every 10 ms (or per tick when slower than 100/s) and emit what is due.
        let interval = max(0.01, 1 / rate)
        let perWake = max(1, Int((rate * interval).rounded()))
        var position = seriesCount
        while !Task.isCancelled {
            let now = core.clock.now
            let stamp = Timestamp.date(milliseconds: Timestamp.milliseconds(now))
            for _ in 0..<perWake {
                if position == seriesCount {
                    market.step(into: &values)
                    position = 0
                }
                let s = series[position]
                core.emit(Tick(symbol: s.symbol, kind: s.kind, value: values[position], exchangeTime: stamp, receiveTime: now))
                position += 1
            }
            do { try await core.clock.sleep(for: .fromSeconds(interval)) } catch { return }
        }
    }
}
