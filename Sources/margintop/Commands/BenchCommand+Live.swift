import Foundation
import MarginCore
import MarginFeeds
import MarginLive

/// What the bench's stepper saw.
struct StepFigures: Sendable {
    var steps = 0, maxBacklog = 0, recomputedUnits = 0
    var incremental: [Double] = [], full: [Double] = []
}

extension BenchCommand {
    /// The live loop under load: simulated ticks in, coalesced steps, latency from a tick's
    /// arrival to the end of the step that applied it (results), and to the end of the first
    /// `LiveSnapshot` that shows it (what the screen reads), snapshots taken back to back.
    func runLive() async throws {
        var b: Book = try book.map(loadBook) ?? DemoBook.generate(accounts: accounts, seed: seed)
        if let model {
            if model == .es, (b.history?.dates.isEmpty ?? true) { throw CLIError.invalidData("--model es needs a book with history") }
            for a in b.accounts.indices { b.accounts[a].model = model }
        }
        let feed = try FeedFactory.make(spec: "sim:seed=\(seed),rate=\(rate)", universe: SimUniverse(book: b))
        var config = LiveConfig()
        config.advanceTime = true
        let engine = LiveEngine(book: b, config: config, now: wallClock(), clock: wallClock)
        let start = wallClock()
        let ticker = Task {
            for await tick in feed.ticks() {
                await engine.submit([PriceUpdate(tick)], receivedAt: tick.receiveTime.timeIntervalSince1970)
            }
        }
        // One second of warm-up (first recompute, feed start) is not measured.
        while wallClock() - start < 1 {
            try await Task.sleep(for: .milliseconds(5))
            _ = await engine.step(now: wallClock())
        }
        await engine.resetStats()
        _ = await engine.snapshot(now: wallClock())
        let measured = wallClock()
        let seconds = self.seconds
        // Steps and snapshots run side by side as in the dashboard: a stepper applying what
        // arrived every 2 ms, and snapshots taken one after another on another task.
        let stepper = Task.detached { () -> StepFigures in
            var f = StepFigures()
            while wallClock() - measured < seconds {
                try? await Task.sleep(for: .milliseconds(2))
                f.maxBacklog = max(f.maxBacklog, await engine.backlog)
                let t0 = wallClock()
                _ = await engine.step(now: t0)
                let dt = (wallClock() - t0) * 1000
                let (recomputed, wasFull) = await engine.lastRecompute()
                if recomputed > 0 { wasFull ? f.full.append(dt) : f.incremental.append(dt) }
                f.recomputedUnits += recomputed
                f.steps += 1
            }
            return f
        }
        var snapshotMs: [Double] = []
        var tickToSnapshotMs: [Double] = []
        while wallClock() - measured < seconds {
            let s0 = wallClock()
            let snap = await engine.snapshot(now: s0)
            let s1 = wallClock()
            snapshotMs.append((s1 - s0) * 1000)
            if let oldest = snap.oldestNewUpdate { tickToSnapshotMs.append((s1 - oldest) * 1000) }
            try await Task.sleep(for: .milliseconds(1))
        }
        let f = await stepper.value
        ticker.cancel()
        await feed.stop()
        let health = await engine.health(now: wallClock())
        let rss = peakRSSMiB()
        let elapsed = wallClock() - measured
        let obj: JSONValue = .object([
            ("mode", .string("live")), ("accounts", .integer(b.accounts.count)), ("seconds", .number(elapsed)),
            ("feedRate", .integer(rate)), ("steps", .integer(f.steps)), ("stepsPerSecond", .number(Double(f.steps) / elapsed)),
            ("model", .string(model?.rawValue ?? "mixed")),
            ("tickToResultP50Ms", .number(health.recomputeP50Ms)), ("tickToResultP99Ms", .number(health.recomputeP99Ms)),
            ("tickToSnapshotP50Ms", .number(LoopStats.nearestRank(tickToSnapshotMs, 0.5))),
            ("tickToSnapshotP99Ms", .number(LoopStats.nearestRank(tickToSnapshotMs, 0.99))),
            ("recomputesPerSecond", .number(Double(f.recomputedUnits) / elapsed)),
            ("incrementalSteps", .integer(f.incremental.count)), ("incrementalMedianMs", .number(median(f.incremental))),
            ("fullSteps", .integer(f.full.count)), ("fullMedianMs", .number(median(f.full))),
            ("snapshotMedianMs", .number(median(snapshotMs))), ("snapshotMaxMs", .number(snapshotMs.max() ?? 0)),
            ("maxBacklog", .integer(f.maxBacklog)), ("ticksPerSecond", .number(health.ticksPerSecond)),
            ("peakRSSMiB", .number(rss)),
        ])
        if json {
            try writeOutput(JSONWriter(pretty: false).write(obj) + "\n", to: nil)
        } else {
            var s = "live: \(b.accounts.count) accounts, sim feed at \(rate) ticks/s for \(String(format: "%.1f", elapsed)) s\n"
            s += String(format: "tick to results (end of step)  p50 %.2f ms  p99 %.2f ms\n", health.recomputeP50Ms, health.recomputeP99Ms)
            s += String(format: "tick to published snapshot    p50 %.2f ms  p99 %.2f ms\n",
                        LoopStats.nearestRank(tickToSnapshotMs, 0.5), LoopStats.nearestRank(tickToSnapshotMs, 0.99))
            s += String(format: "account recomputes %.0f/s\n", Double(f.recomputedUnits) / elapsed)
            s += String(format: "steps %d (%.0f/s): incremental %d (median %.2f ms), full %d (median %.2f ms); max backlog %d symbols\n",
                        f.steps, Double(f.steps) / elapsed, f.incremental.count, median(f.incremental), f.full.count, median(f.full), f.maxBacklog)
            s += String(format: "full LiveSnapshot for the screen: median %.1f ms, max %.1f ms\n", median(snapshotMs), snapshotMs.max() ?? 0)
            s += String(format: "peak RSS %.0f MiB\n", rss)
            try writeOutput(s, to: nil)
        }
    }

    /// Peak resident set size of this process (VmHWM), MiB.
    func peakRSSMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
