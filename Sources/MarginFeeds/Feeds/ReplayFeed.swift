import Foundation
import Logging
import MarginCore

/// Replays a recording (NDJSON ticks or the real-data CSV) with its original timing, faster
/// (`speed=N` divides every gap by N), as fast as possible (`speed=max`), optionally looping.
///
/// Exchange times are the recorded ones; when looping, each pass is shifted forward by the
/// recording's span plus one gap so time keeps increasing. Waits use the ``MarginClock``.
public final class ReplayFeed: CoreBackedFeed {
    public let core: FeedCore
    public let source: ReplaySource
    public let options: ReplayOptions

    /// Loads `options.path` (throws ``FeedError`` naming the file when unreadable).
    public convenience init(options: ReplayOptions, clock: any MarginClock = SystemClock(), logger: Logger? = nil)
        throws(FeedError)
    {
        let source = try ReplaySource.load(path: options.path)
        self.init(source: source, options: options, clock: clock, logger: logger)
    }

    public init(
        source: ReplaySource, options: ReplayOptions, clock: any MarginClock = SystemClock(), logger: Logger? = nil
    ) {
        self.source = source
        self.options = options
        core = FeedCore(name: "replay", clock: clock, logger: logger) { core in
            await Self.run(core: core, source: source, options: options)
        }
    }

    static func run(core: FeedCore, source: ReplaySource, options: ReplayOptions) async {
        let prices = source.prices
        guard let first = prices.first?.exchangeTime, let last = prices.last?.exchangeTime else {
            for case .rejected(let r) in source.items { core.reject(r) }
            return
        }
        let firstGap = prices.count > 1 ? max(0, prices[1].exchangeTime - first) : 1
        let span = last - first + (firstGap > 0 ? firstGap : 1)
        core.setStatus(.live)
        var offset = 0.0
        var previous: Double?
        var sinceYield = 0
        repeat {
            for item in source.items {
                if Task.isCancelled { return }
                switch item {
                case .rejected(let r):
                    if offset == 0 { core.reject(r) }
                case .price(let p):
                    let time = p.exchangeTime + offset
                    if let previous, case .factor(let speed) = options.speed {
                        let gap = (time - previous) / speed
                        if gap > 0 {
                            do { try await core.clock.sleep(for: .fromSeconds(gap)) } catch { return }
                        }
                    }
                    previous = time
                    core.emit(
                        PriceUpdate(
                            symbol: p.symbol, kind: p.kind, value: p.value, exchangeTime: time,
                            receiveTime: core.clock.now))
                    sinceYield += 1
                    if sinceYield >= 1000 {
                        sinceYield = 0
                        await Task.yield()
                    }
                }
            }
            offset += span
        } while options.loop && !Task.isCancelled
    }
}
