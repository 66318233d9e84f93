import Foundation
import MarginCore
import MarginLive
import MarginTUI
import TerminalBackend

/// Settings of the dashboard loop.
public struct DashboardOptions: Sendable {
    public var operatorName: String
    public var readOnly: Bool
    public var theme: Theme
    /// Seconds between snapshots of the live book (the table refresh rate).
    public var snapshotInterval: Double = 0.1
    /// Minimum seconds between frames (0.05 = at most 20 frames a second).
    public var frameInterval: Double = 0.05
    /// Seconds between engine steps (apply coalesced ticks, recompute).
    public var stepInterval: Double = 0.02
    /// Feed status shown once the first batch arrives.
    public var feedName: String = "live"

    public init(operatorName: String, readOnly: Bool, theme: Theme) {
        self.operatorName = operatorName; self.readOnly = readOnly; self.theme = theme
    }
}

/// Loop figures, for measurements (frames drawn, snapshots taken).
public struct DashboardStats: Sendable, CustomStringConvertible {
    public var frames = 0
    public var snapshots = 0
    public var seconds = 0.0
    public var description: String {
        String(format: "frames %d in %.1fs (%.1f/s), snapshots %d (%.1f/s)", frames, seconds,
               seconds > 0 ? Double(frames) / seconds : 0, snapshots, seconds > 0 ? Double(snapshots) / seconds : 0)
    }
}

/// The interactive dashboard: a ``LiveEngine`` driven by batches of price
/// updates, a ``ReviewService``, and the terminal.
///
/// ```swift
/// let app = DashboardApp(engine: LiveEngine(book: book, now: now), reviews: store, options: options)
/// let stats = try await app.run(updates: feed)   // returns when the operator quits or a signal arrives
/// ```
@MainActor
public final class DashboardApp {
    public let engine: LiveEngine
    public let reviews: any ReviewService
    public let options: DashboardOptions
    private var state: AppState
    private var posted: [Action] = []
    private var stopRequested = false
    private var curveRunning = false
    private var lastCurve = -Double.infinity
    private var stats = DashboardStats()

    public init(engine: LiveEngine, reviews: any ReviewService, options: DashboardOptions) {
        self.engine = engine; self.reviews = reviews; self.options = options
        state = AppState(operatorName: options.operatorName, readOnly: options.readOnly)
    }

    private static func now() -> Double { Date().timeIntervalSince1970 }

    /// Runs until `q`, SIGINT/SIGTERM/SIGHUP, or the terminal fails; the terminal is restored on every path.
    /// `updates` is consumed in a task of its own; its end or failure shows in the feed status.
    @discardableResult
    public func run<S: AsyncSequence & Sendable>(updates: S) async throws -> DashboardStats where S.Element == [PriceUpdate] {
        let term = try Terminal(theme: options.theme)
        defer { term.restore() }
        term.onSignal { [weak self] _ in self?.stopRequested = true }
        let started = Self.now()
        let engine = self.engine
        let feedName = options.feedName
        let feeder = Task.detached {
            await engine.setFeedStatus("connecting", isLive: false)
            var first = true
            do {
                for try await batch in updates {
                    if Task.isCancelled { break }
                    if first { await engine.setFeedStatus(feedName, isLive: true); first = false }
                    await engine.submit(batch, receivedAt: Date().timeIntervalSince1970)
                }
                await engine.setFeedStatus("ended", isLive: false)
            } catch {
                await engine.setFeedStatus("down: \(error)", isLive: false)
            }
        }
        let stepEvery = UInt64(options.stepInterval * 1e9)
        let stepper = Task.detached {
            while !Task.isCancelled {
                _ = await engine.step(now: Date().timeIntervalSince1970)
                try? await Task.sleep(nanoseconds: stepEvery)
            }
        }
        let snapEvery = UInt64(options.snapshotInterval * 1e9)
        let snapper = Task.detached { [weak self] in
            while !Task.isCancelled {
                let t0 = Date().timeIntervalSince1970
                let snap = await engine.snapshot(now: t0)
                let took = Date().timeIntervalSince1970 - t0
                await self?.post(.snapshot(snap))
                // A snapshot holds the engine; on big books leave it at least twice as long for ticks.
                try? await Task.sleep(nanoseconds: max(snapEvery, UInt64(took * 2e9)))
            }
        }
        defer { feeder.cancel(); stepper.cancel(); snapper.cancel() }

        let size = term.size
        dispatch(.resize(rows: size.rows, cols: size.cols))
        var dirty = true
        var lastFrame = -Double.infinity
        var lastSecond = Int(started)
        while !state.quit && !stopRequested {
            while let key = term.readKey() {
                if key == .resize {
                    let sz = term.size
                    dispatch(.resize(rows: sz.rows, cols: sz.cols))
                } else {
                    dispatch(.key(key))
                }
                dirty = true
            }
            if !posted.isEmpty {
                let batch = posted
                posted.removeAll()
                for a in batch {
                    if case .snapshot = a { stats.snapshots += 1 }
                    dispatch(a)
                }
                dirty = true
            }
            let now = Self.now()
            if Int(now) != lastSecond {
                // Ages and notices change with the clock even without new data.
                lastSecond = Int(now)
                dispatch(.tick(now: now))
                dirty = true
            }
            if dirty && now - lastFrame >= options.frameInterval && !state.quit {
                term.draw(render(state))
                stats.frames += 1
                lastFrame = now
                dirty = false
            }
            try? await Task.sleep(nanoseconds: 8_000_000)
        }
        stats.seconds = Self.now() - started
        return stats
    }

    private func post(_ action: Action) { posted.append(action) }

    private func dispatch(_ action: Action) {
        let effects = reduce(&state, action)
        for e in effects { perform(e) }
    }

    private func perform(_ effect: Effect) {
        let reviews = self.reviews
        let engine = self.engine
        switch effect {
        case .quit:
            stopRequested = true
        case .openReviews(let ids, let note, let op, let metrics):
            Task { [weak self] in
                do {
                    let stored = try await reviews.openReviews(accountIds: ids, note: note, operator: op, metrics: metrics)
                    self?.post(.reviewsStored(ids: stored))
                } catch {
                    self?.post(.reviewFailed(String(describing: error)))
                }
            }
        case .loadReviews:
            Task { [weak self] in
                do { self?.post(.reviewsLoaded(try await reviews.listReviews())) } catch { self?.post(.reviewsLoadFailed(String(describing: error))) }
            }
        case .acknowledge(let id, let version, let note):
            Task { [weak self] in
                do { try await reviews.acknowledge(id: id, version: version, note: note); self?.post(.reviewUpdated(id: id)) } catch {
                    self?.post(.reviewUpdateFailed(String(describing: error)))
                }
            }
        case .resolve(let id, let version, let outcome, let note):
            Task { [weak self] in
                do { try await reviews.resolve(id: id, version: version, outcome: outcome, note: note); self?.post(.reviewUpdated(id: id)) } catch {
                    self?.post(.reviewUpdateFailed(String(describing: error)))
                }
            }
        case .trackAccount(let id):
            Task { [weak self] in
                let h = await engine.marginRatioHistory(accountId: id)
                self?.post(.marginRatioHistory(accountId: id, h))
            }
        case .computeSystemCurve:
            guard !curveRunning, Self.now() - lastCurve >= 1, let snap = state.snapshot else { return }
            curveRunning = true
            Task { [weak self] in
                let points = await Task.detached(priority: .utility) {
                    SystemCurve.compute(book: snap.marginBook, prices: snap.prices, insuranceFund: snap.insuranceFund)
                }.value
                guard let self else { return }
                self.curveRunning = false
                self.lastCurve = Self.now()
                self.post(.systemCurve(points, version: snap.version, time: snap.time))
            }
        }
    }
}
