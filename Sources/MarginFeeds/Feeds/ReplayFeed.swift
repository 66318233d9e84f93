import Foundation
import Logging
import MarginCore
import Synchronization

/// Replays a recording (NDJSON ticks or the real-data CSV) with its original timing, faster
/// (`speed=N` divides every gap by N), as fast as possible (`speed=max`), optionally looping.
///
/// Exchange times are the recorded ones; when looping, each pass is shifted forward by the
/// recording's span plus one gap so time keeps increasing. Waits use the ``MarginClock``.
///
/// Two ways to consume it: ``ticks()`` streams ticks as they are read (a listener slower than
/// `speed=max` sees them pile up, and the live engine coalesces them), and ``steps()`` hands
/// them over in exchange-time steps with backpressure, for a deterministic replay.
public final class ReplayFeed: CoreBackedFeed, SteppedFeed {
    public let core: FeedCore
    public let source: ReplaySource
    public let options: ReplayOptions
    private let mode: Mode

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
        let mode = Mode()
        self.mode = mode
        core = FeedCore(name: "replay", clock: clock, logger: logger) { core in
            if mode.startsStepped() {
                await Self.runStepped(core: core, source: source, options: options, handoff: mode.handoff)
            } else {
                await Self.run(core: core, source: source, options: options)
            }
        }
    }

    public var startTime: Double? {
        source.prices.first { Timestamp.isRepresentable($0.exchangeTime) }?.exchangeTime
    }

    /// Starts the replay in exchange-time steps: one per distinct exchange time, or per
    /// `step=` bucket (aligned on multiples of the step since the epoch), in file order. A step
    /// is read, paced (`speed=N` waits the gap to the previous step divided by N, `max` not at
    /// all), validated and counted only once the consumer has finished the previous one, so
    /// nothing is coalesced across steps however slow the consumer. Each tick's receive time is
    /// its exchange time. A line earlier than one before it (in any series) is counted as an
    /// `out_of_order` rejection and skipped: a replay's file order is its exchange order.
    /// `nil` if the feed already streams ``ticks()``.
    public func steps() -> FeedSteps? {
        guard mode.claimStepped() else { return nil }
        let core = self.core
        let handoff = mode.handoff
        return FeedSteps(handoff) {
            core.start()
            // Stopped before it started: the driver never runs, so nobody else ends the steps.
            if core.isFinished { handoff.close() }
        }
    }

    /// Whether the driver streams or steps, decided once when it starts.
    private final class Mode: Sendable {
        let handoff = StepHandoff()
        private let state = Mutex((decided: false, stepped: false))

        /// Asks for stepped mode; `false` when the driver has already started streaming.
        func claimStepped() -> Bool {
            state.withLock { s in
                guard !s.decided else { return false }
                s = (decided: true, stepped: true)
                return true
            }
        }

        /// Called by the driver as it starts.
        func startsStepped() -> Bool {
            state.withLock { s in
                s.decided = true
                return s.stepped
            }
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

    static func runStepped(core: FeedCore, source: ReplaySource, options: ReplayOptions, handoff: StepHandoff) async {
        // Finished before the consumer hears of the end, so it reads the feed's last status.
        defer {
            core.finish()
            handoff.close()
        }
        let prices = source.prices
        guard let first = prices.first?.exchangeTime, let last = prices.last?.exchangeTime else {
            for case .rejected(let r) in source.items { core.reject(r) }
            return
        }
        let firstGap = prices.count > 1 ? max(0, prices[1].exchangeTime - first) : 1
        let span = last - first + (firstGap > 0 ? firstGap : 1)
        core.setStatus(.live)
        var offset = 0.0
        // The replay's exchange clock: the latest time read so far.
        var clock = -Double.infinity
        var batch: [PriceUpdate] = []
        var batchKey: Double?
        var previousStep: Double?

        /// Paces, validates, counts and hands over the batch; `false` when the replay must stop.
        func flush() async -> Bool {
            guard !batch.isEmpty else { return true }
            let time = clock
            if let previousStep, case .factor(let speed) = options.speed {
                let gap = (time - previousStep) / speed
                if gap > 0 {
                    do { try await core.clock.sleep(for: .fromSeconds(gap)) } catch { return false }
                }
            }
            previousStep = time
            let accepted = batch.filter { core.emit($0) }
            batch.removeAll(keepingCapacity: true)
            guard !accepted.isEmpty else { return true }
            return await handoff.deliver(FeedStep(time: time, ticks: accepted))
        }

        repeat {
            for item in source.items {
                if Task.isCancelled { return }
                switch item {
                case .rejected(let r):
                    if offset == 0 { core.reject(r) }
                case .price(let p):
                    let time = p.exchangeTime + offset
                    let tick = PriceUpdate(
                        symbol: p.symbol, kind: p.kind, value: p.value, exchangeTime: time, receiveTime: time)
                    guard Timestamp.isRepresentable(time) else {
                        core.emit(tick)  // counted as bad_timestamp
                        continue
                    }
                    guard time >= clock else {
                        core.reject(
                            Rejection(
                                RejectReason.outOfOrder,
                                "\(p.symbol) \(p.kind.rawValue) \(p.value) at \(Timestamp.format(time, fixedMilliseconds: true)) is before \(Timestamp.format(clock, fixedMilliseconds: true))"
                            ))
                        continue
                    }
                    let key = options.step.map { (time / $0).rounded(.down) } ?? time
                    if key != batchKey {
                        guard await flush() else { return }
                        batchKey = key
                    }
                    clock = time
                    batch.append(tick)
                }
            }
            offset += span
        } while options.loop && !Task.isCancelled
        _ = await flush()
    }
}
