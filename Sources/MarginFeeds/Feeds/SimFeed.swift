import Foundation
import Logging
import MarginCore

/// A simulated market feed for demos and benchmarks (see ``SimMarket`` for the model).
///
/// Emits ticks round-robin over every series at `rate` ticks per second of wall time
/// (``MarginClock`` time); market time runs `acceleration` times faster (real time by default,
/// 600 times in the `crash` preset).
/// Seeded: the same universe, seed and rate give the same ticks.
public final class SimFeed: CoreBackedFeed {
    public let core: FeedCore
    public let universe: SimUniverse
    public let options: SimOptions

    public init(
        universe: SimUniverse = .demo, options: SimOptions = SimOptions(), clock: any MarginClock = SystemClock(),
        logger: Logger? = nil
    ) {
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
        var market = SimMarket(
            universe: universe, seed: options.seed, dt: options.effectiveAcceleration / roundsPerSecond,
            preset: options.crash ? .crash : .normal)
        let series = market.series
        var values: [Double] = []
        core.setStatus(.live)
        // Wake every 10 ms (or per tick when slower than 100/s) and emit what is due.
        let interval = (max(0.01, 1 / rate) * 1e3).rounded() / 1e3
        // Ticks owed carry over between wakes, so fractional rates (150/s at 10 ms) stay exact.
        let perWake = rate * interval
        var owed = max(0, 1 - perWake) + 1e-9  // the first wake emits at least one tick
        var position = seriesCount
        var scheduleStart = core.clock.now
        var slot = 0
        while !Task.isCancelled {
            let now = core.clock.now
            let stamp = Timestamp.seconds(milliseconds: Timestamp.milliseconds(now))
            owed += perWake
            let due = Int(owed)
            owed -= Double(due)
            for _ in 0..<due {
                if position == seriesCount {
                    market.step(into: &values)
                    position = 0
                }
                let s = series[position]
                core.emit(
                    PriceUpdate(
                        symbol: s.symbol, kind: s.kind, value: values[position], exchangeTime: stamp, receiveTime: now))
                position += 1
            }
            // Sleep to the next slot rather than a fixed interval, so time spent emitting and
            // sleep overshoot do not lower the rate; after a long stall, restart the schedule.
            slot += 1
            var wait = ((scheduleStart + Double(slot) * interval - core.clock.now) * 1e3).rounded() / 1e3
            if wait < -1 {
                scheduleStart = core.clock.now
                slot = 0
                wait = 0
            }
            do { try await core.clock.sleep(for: .fromSeconds(max(wait, 0))) } catch { return }
        }
    }
}
