import Foundation
import MarginCore
import MarginFeeds
import MarginLive

extension BenchCommand {
    /// The live loop under load: simulated ticks in, coalesced steps, latency from a tick's
    /// arrival to the end of the step that applied it (results), and to the end of the
    /// `LiveSnapshot` taken right after that step (what the screen reads).
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
        var stepCPU: [Double] = []
        var incremental: [Double] = []
        var full: [Double] = []
        var snapshotMs: [Double] = []
        var tickToSnapshotMs: [Double] = []
        var steps = 0, maxBacklog = 0, recomputedUnits = 0
        // One second of warm-up (first recompute, feed start) is not measured.
        while wallClock() - start < 1 {
            try await Task.sleep(for: .milliseconds(5))
            _ = await engine.step(now: wallClock())
        }
        await engine.resetStats()
        let measured = wallClock()
        while wallClock() - measured < seconds {
            try await Task.sleep(for: .milliseconds(5))
            maxBacklog = max(maxBacklog, await engine.backlog)
            let c0 = threadCPUms()
            let t0 = wallClock()
            _ = await engine.step(now: t0)
            let dt = (wallClock() - t0) * 1000
            stepCPU.append(threadCPUms() - c0)
            let (recomputed, wasFull) = await engine.lastRecompute()
            if recomputed > 0 { (wasFull ? { full.append(dt) } : { incremental.append(dt) })() }
            recomputedUnits += recomputed
            steps += 1
            if let oldest = await engine.lastStepOldestReceived {
                // Publish what this step changed, as the screen would read it.
                let s0 = wallClock()
                _ = await engine.snapshot(now: s0)
                let s1 = wallClock()
                snapshotMs.append((s1 - s0) * 1000)
                tickToSnapshotMs.append((s1 - oldest) * 1000)
            }
        }
        ticker.cancel()
        await feed.stop()
        let health = await engine.health(now: wallClock())
        let rss = peakRSSMiB()
        let elapsed = wallClock() - measured
        let obj: JSONValue = .object([
            ("mode", .string("live")), ("accounts", .integer(b.accounts.count)), ("seconds", .number(elapsed)),
            ("feedRate", .integer(rate)), ("steps", .integer(steps)), ("stepsPerSecond", .number(Double(steps) / elapsed)),
            ("model", .string(model?.rawValue ?? "mixed")),
            ("tickToResultP50Ms", .number(health.recomputeP50Ms)), ("tickToResultP99Ms", .number(health.recomputeP99Ms)),
            ("tickToSnapshotP50Ms", .number(percentile(tickToSnapshotMs, 0.5))),
            ("tickToSnapshotP99Ms", .number(percentile(tickToSnapshotMs, 0.99))),
            ("recomputesPerSecond", .number(Double(recomputedUnits) / elapsed)),
            ("incrementalSteps", .integer(incremental.count)), ("incrementalMedianMs", .number(median(incremental))),
            ("fullSteps", .integer(full.count)), ("fullMedianMs", .number(median(full))),
            ("snapshotMedianMs", .number(median(snapshotMs))), ("snapshotMaxMs", .number(snapshotMs.max() ?? 0)),
            ("maxBacklog", .integer(maxBacklog)), ("ticksPerSecond", .number(health.ticksPerSecond)),
            ("peakRSSMiB", .number(rss)),
        ])
        if json {
            try writeOutput(JSONWriter(pretty: false).write(obj) + "\n", to: nil)
        } else {
            var s = "live: \(b.accounts.count) accounts, sim feed at \(rate) ticks/s for \(String(format: "%.1f", elapsed)) s\n"
            s += String(format: "tick to results (end of step)  p50 %.2f ms  p99 %.2f ms\n", health.recomputeP50Ms, health.recomputeP99Ms)
            s += String(format: "tick to published snapshot    p50 %.2f ms  p99 %.2f ms\n",
                        percentile(tickToSnapshotMs, 0.5), percentile(tickToSnapshotMs, 0.99))
            s += String(format: "account recomputes %.0f/s\n", Double(recomputedUnits) / elapsed)
            s += String(format: "steps %d (%.0f/s): incremental %d (median %.2f ms), full %d (median %.2f ms); max backlog %d symbols\n",
                        steps, Double(steps) / elapsed, incremental.count, median(incremental), full.count, median(full), maxBacklog)
            s += String(format: "full LiveSnapshot for the screen: median %.1f ms, max %.1f ms\n", median(snapshotMs), snapshotMs.max() ?? 0)
            s += String(format: "peak RSS %.0f MiB\n", rss)
            try writeOutput(s, to: nil)
        }
    }

    /// Nearest-rank percentile of `xs` (0 when empty).
    func percentile(_ xs: [Double], _ p: Double) -> Double {
        let s = xs.sorted()
        guard !s.isEmpty else { return 0 }
        return s[max(0, min(s.count - 1, Int((p * Double(s.count)).rounded(.up)) - 1))]
    }

    /// Peak resident set size of this process (VmHWM), MiB.
    func peakRSSMiB() -> Double {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kb / 1024
    }
}
