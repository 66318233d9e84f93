import Foundation
import MarginCore
import MarginFeeds
import MarginLive

extension BenchCommand {
    /// The live loop under load: simulated ticks in, coalesced steps, latency from a tick's
    /// arrival to the end of the step that applied it (results published), and the cost of
    /// taking a full `LiveSnapshot` (what the screen copies at up to 20 fps).
    func runLive() async throws {
        let b: Book = try book.map(loadBook) ?? DemoBook.generate(accounts: accounts, seed: seed)
        let feed = try FeedFactory.make(spec: "sim:seed=\(seed),rate=\(rate)", universe: SimUniverse(book: b))
        var config = LiveConfig()
        config.advanceTime = true
        let engine = LiveEngine(book: b, config: config, now: wallClock())
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
        var steps = 0, lastSnapshot = 0.0, maxBacklog = 0
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
            steps += 1
            if t0 - lastSnapshot >= 0.05 {
                let s0 = wallClock()
                _ = await engine.snapshot(now: s0)
                snapshotMs.append((wallClock() - s0) * 1000)
                lastSnapshot = s0
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
            ("tickToResultP50Ms", .number(health.recomputeP50Ms)), ("tickToResultP99Ms", .number(health.recomputeP99Ms)),
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
            s += String(format: "tick to published results  p50 %.2f ms  p99 %.2f ms\n", health.recomputeP50Ms, health.recomputeP99Ms)
            s += String(format: "steps %d (%.0f/s): incremental %d (median %.2f ms), full %d (median %.2f ms); max backlog %d symbols\n",
                        steps, Double(steps) / elapsed, incremental.count, median(incremental), full.count, median(full), maxBacklog)
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
