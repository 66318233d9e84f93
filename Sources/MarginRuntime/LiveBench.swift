import Foundation
import MarginCore
import MarginFeeds
import MarginLive

/// `bench --live`: the live loop under load, as the dashboard runs it (each step that recomputed
/// followed by its snapshot), as fast as it keeps up. Simulated ticks in, coalesced steps at
/// least 2 ms apart and resting `stepRest` times each step's time (with its snapshot) after it;
/// latency from a tick's arrival to the end of the step that applied it (results), and to the
/// end of the snapshot that shows it (what the screen reads). The distance analysis runs as the
/// dashboard's does (in the background, in the loop's rests); its freshness is sampled four
/// times a second.
public enum LiveBench {
    /// The loop's rest after each step, in multiples of the step's time (``LiveLoop/Options/stepRest``).
    public static let stepRest = 0.5

    /// What one run measured.
    public struct Figures: Sendable {
        public var accounts = 0
        public var seconds = 0.0
        /// The loop's rest after each step, in multiples of its time.
        public var stepRest = 0.0
        public var steps = 0
        public var maxBacklog = 0
        public var recomputedUnits = 0
        public var incrementalMs: [Double] = []
        public var fullMs: [Double] = []
        public var snapshotMs: [Double] = []
        public var tickToSnapshotMs: [Double] = []
        public var health = LoopHealth()
        /// The analysis's freshness: sampled during the run, and at its end.
        public var analysisSamples: [AnalysisStatus] = []
        public var analysisEnd = AnalysisStatus()

        /// The oldest analysis age of any account over the samples and the end, and at the end (ms).
        public var analysisAgeMaxMs: Double {
            ((analysisSamples.map(\.oldestAge) + [analysisEnd.oldestAge]).max() ?? 0) * 1000
        }
        public var analysisAgeEndMs: Double { analysisEnd.oldestAge * 1000 }
        /// The same over the accounts within 10% of liquidation.
        public var analysisAgeNearMaxMs: Double {
            ((analysisSamples.map(\.oldestNearAge) + [analysisEnd.oldestNearAge]).max() ?? 0) * 1000
        }
        public var analysisAgeNearEndMs: Double { analysisEnd.oldestNearAge * 1000 }

        public var stepsPerSecond: Double { seconds > 0 ? Double(steps) / seconds : 0 }
        public var recomputesPerSecond: Double { seconds > 0 ? Double(recomputedUnits) / seconds : 0 }
        public var tickToSnapshotP50Ms: Double { LoopStats.nearestRank(tickToSnapshotMs, 0.5) }
        public var tickToSnapshotP99Ms: Double { LoopStats.nearestRank(tickToSnapshotMs, 0.99) }

        /// The `bench --live --json` object.
        public func json(rate: Int, model: String, peakRSSMiB rss: Double) -> JSONValue {
            .object([
                ("mode", .string("live")), ("accounts", .integer(accounts)), ("seconds", .number(seconds)),
                ("feedRate", .integer(rate)), ("steps", .integer(steps)), ("stepsPerSecond", .number(stepsPerSecond)),
                ("model", .string(model)), ("stepRest", .number(stepRest)),
                ("tickToResultP50Ms", .number(health.recomputeP50Ms)),
                ("tickToResultP99Ms", .number(health.recomputeP99Ms)),
                ("tickToSnapshotP50Ms", .number(tickToSnapshotP50Ms)),
                ("tickToSnapshotP99Ms", .number(tickToSnapshotP99Ms)),
                ("recomputesPerSecond", .number(recomputesPerSecond)),
                ("incrementalSteps", .integer(incrementalMs.count)),
                ("incrementalMedianMs", .number(median(incrementalMs))),
                ("fullSteps", .integer(fullMs.count)), ("fullMedianMs", .number(median(fullMs))),
                ("snapshotMedianMs", .number(median(snapshotMs))), ("snapshotMaxMs", .number(snapshotMs.max() ?? 0)),
                ("maxBacklog", .integer(maxBacklog)), ("ticksPerSecond", .number(health.ticksPerSecond)),
                ("analysisAgeMaxMs", .number(analysisAgeMaxMs)), ("analysisAgeEndMs", .number(analysisAgeEndMs)),
                ("analysisAgeNearMaxMs", .number(analysisAgeNearMaxMs)),
                ("analysisAgeNearEndMs", .number(analysisAgeNearEndMs)),
                ("analysisNearAccounts", .integer(analysisEnd.nearAccounts)),
                ("analysisNeverAnalysed", .integer(analysisEnd.neverAnalysed)),
                ("analysisCycleMs", analysisEnd.lastCycleSeconds.map { .number($0 * 1000) } ?? .null),
                ("analysisCycleEstimateMs", analysisEnd.cycleEstimateSeconds.map { .number($0 * 1000) } ?? .null),
                ("analysisPasses", .integer(analysisEnd.passes)), ("analysisChunk", .integer(analysisEnd.lastChunk)),
                ("analysisAccountsPerSecond", analysisEnd.secondsPerAccount.map { .number(1 / $0) } ?? .null),
                ("peakRSSMiB", .number(rss)),
            ])
        }

        /// The `bench --live` text report.
        public func text(rate: Int, peakRSSMiB rss: Double) -> String {
            var s = "live: \(accounts) accounts, sim feed at \(rate) ticks/s for \(String(format: "%.1f", seconds)) s"
            s += String(format: ", resting %.2g× each step's time after it\n", stepRest)
            s += String(
                format: "tick to results (end of step)  p50 %.2f ms  p99 %.2f ms\n", health.recomputeP50Ms,
                health.recomputeP99Ms)
            s += String(
                format: "tick to published snapshot    p50 %.2f ms  p99 %.2f ms\n", tickToSnapshotP50Ms,
                tickToSnapshotP99Ms)
            s += String(format: "account recomputes %.0f/s\n", recomputesPerSecond)
            s += String(
                format:
                    "steps %d (%.0f/s): incremental %d (median %.2f ms), full %d (median %.2f ms); max backlog %d symbols\n",
                steps, stepsPerSecond, incrementalMs.count, median(incrementalMs), fullMs.count, median(fullMs),
                maxBacklog)
            s += String(
                format: "full LiveSnapshot for the screen: median %.1f ms, max %.1f ms\n", median(snapshotMs),
                snapshotMs.max() ?? 0)
            let e = analysisEnd
            s += String(
                format:
                    "analysis age: oldest %.0f ms (at the end %.0f ms); within 10%%: %.0f ms (%.0f ms), %d accounts\n",
                analysisAgeMaxMs, analysisAgeEndMs, analysisAgeNearMaxMs, analysisAgeNearEndMs, e.nearAccounts)
            let ms = { (x: Double?) in x.map { String(format: "%.0f ms", $0 * 1000) } ?? "none yet" }
            s +=
                "analysis rotation: last cycle \(ms(e.lastCycleSeconds)), at the current pace \(ms(e.cycleEstimateSeconds)); "
            s += String(format: "%d passes, chunk %d", e.passes, e.lastChunk)
            s += e.secondsPerAccount.map { String(format: ", %.0f accounts/s", 1 / $0) } ?? ""
            s += e.neverAnalysed > 0 ? ", \(e.neverAnalysed) never analysed\n" : "\n"
            return s + String(format: "peak RSS %.0f MiB\n", rss)
        }
    }

    /// Runs `book` on a sim feed of `rate` ticks/s for one second of warm-up (not measured),
    /// then `seconds` measured; `analysis` as the dashboard's by default (`.off` to compare).
    public static func run(
        book: Book, seed: UInt64, rate: Int, seconds: Double, analysis: LiveAnalysisConfig = LiveAnalysisConfig(),
        stepRest: Double = LiveBench.stepRest, clock: any MarginClock = SystemClock()
    ) async throws -> Figures {
        let feed = try FeedFactory.make(spec: "sim:seed=\(seed),rate=\(rate)", universe: SimUniverse(book: book))
        var config = LiveConfig()
        config.advanceTime = true
        config.analysis = analysis
        let loop = LiveLoop(book: book, feed: feed, config: config, clock: clock)
        var options = LiveLoop.Options()
        options.stepInterval = .milliseconds(2)
        options.snapshotAfterStep = true
        options.snapshotInterval = .seconds(1)
        options.stepRest = stepRest
        options.reportSteps = true
        options.stopWhenFeedFinishes = false
        options.duration = 1 + seconds
        let recorder = Recorder(warmUpEnds: clock.now + 1)
        let engine = loop.engine
        await loop.run(options) { event in
            switch event {
            case .stepped(let step):
                if await recorder.measuring(now: step.now, engine: engine) {
                    await recorder.add(step)
                    if await recorder.analysisSampleDue(now: step.now) {
                        await recorder.add(await engine.analysisStatus(now: step.now))
                    }
                }
            case .snapshot(let snap, let took):
                let end = clock.now
                if await recorder.measuring(now: end, engine: engine) { await recorder.add(snap, took: took, end: end) }
            default:
                break
            }
        }
        var f = await recorder.figures
        f.analysisEnd = await engine.analysisStatus(now: clock.now)
        f.accounts = book.accounts.count
        f.stepRest = stepRest
        f.seconds = clock.now - (await recorder.measuredFrom ?? clock.now)
        f.health = await engine.health(now: clock.now)
        return f
    }

    private actor Recorder {
        let warmUpEnds: Double
        var measuredFrom: Double?
        var figures = Figures()
        var lastAnalysisSample = -Double.infinity
        init(warmUpEnds: Double) { self.warmUpEnds = warmUpEnds }

        /// Whether the warm-up is over; its end forgets the engine's latency and rate windows.
        func measuring(now: Double, engine: LiveEngine) async -> Bool {
            guard now >= warmUpEnds else { return false }
            if measuredFrom == nil {
                measuredFrom = now
                await engine.resetStats()
                return false
            }
            return true
        }

        func add(_ step: StepReport) {
            figures.maxBacklog = max(figures.maxBacklog, step.backlog)
            if step.recomputedUnits > 0 {
                if step.full {
                    figures.fullMs.append(step.seconds * 1000)
                } else {
                    figures.incrementalMs.append(step.seconds * 1000)
                }
            }
            figures.recomputedUnits += step.recomputedUnits
            figures.steps += 1
        }

        func analysisSampleDue(now: Double) -> Bool {
            guard now - lastAnalysisSample >= 0.25 else { return false }
            lastAnalysisSample = now
            return true
        }

        func add(_ status: AnalysisStatus) { figures.analysisSamples.append(status) }

        func add(_ snap: LiveSnapshot, took: Double, end: Double) {
            figures.snapshotMs.append(took * 1000)
            if let oldest = snap.oldestNewUpdate { figures.tickToSnapshotMs.append((end - oldest) * 1000) }
        }
    }
}
