import Foundation
import MarginCore
import MarginLive
import MarginTUI
import TerminalCore

/// Settings of the dashboard loop.
public struct DashboardOptions: Sendable {
    public var operatorName: String
    public var readOnly: Bool
    /// Minimum seconds between frames that show new data (0.05 = at most 20 a second); a key or a resize
    /// is drawn at once.
    public var frameInterval: Double = 0.05
    /// The overview's columns, in order.
    public var columns = OverviewColumn.defaults
    /// The sort at start.
    public var sort = SortKey.priority
    public var sortReversed = false
    /// A DIST smaller than this stands out (see ``AppState/nearThreshold``).
    public var near = 0.05

    public init(operatorName: String, readOnly: Bool) {
        self.operatorName = operatorName
        self.readOnly = readOnly
    }
}

/// Loop figures, for measurements (frames drawn, snapshots taken).
public struct DashboardStats: Sendable, CustomStringConvertible {
    public var frames = 0
    public var snapshots = 0
    public var seconds = 0.0
    public var description: String {
        String(
            format: "frames %d in %.1fs (%.1f/s), snapshots %d (%.1f/s)", frames, seconds,
            seconds > 0 ? Double(frames) / seconds : 0, snapshots, seconds > 0 ? Double(snapshots) / seconds : 0)
    }
}

/// The interactive dashboard: snapshots published by the caller's live loop, a ``ReviewService``,
/// a ``TerminalBackend`` and a ``MarginClock``.
///
/// The loop sleeps until something happens: a key or resize from the terminal, a snapshot, the
/// result of an effect (a review stored, drill-down figures computed), the one-second tick that ages the
/// screen, or a deferred frame falling due. It draws only when something changed: new data at most
/// once per ``DashboardOptions/frameInterval``, a key or a resize at once (a deferred frame waits on
/// the clock from the shared thread pool, which the engine keeps busy on big books).
///
/// ```swift
/// let app = DashboardApp(engine: engine, reviews: store, options: options,
///                        terminal: try NCursesTerminal(theme: theme), clock: SystemClock())
/// let stats = await app.run(snapshots: snapshots)   // returns on `q` or a stop signal
/// ```
@MainActor
public final class DashboardApp {
    /// The live engine, for margin-ratio histories of drilled-into accounts.
    public let engine: LiveEngine
    public let reviews: any ReviewService
    public let options: DashboardOptions
    public let terminal: any TerminalBackend
    public let clock: any MarginClock
    private var state: AppState
    private var stopRequested = false
    private var curveRunning = false
    private var lastCurve = -Double.infinity
    private var stats = DashboardStats()
    private var inbox: AsyncStream<Input>.Continuation?
    private var dirty = true
    private var lastFrame = -Double.infinity
    private var frameScheduled = false
    /// Review writes not yet answered by the store: `run` waits for them before it returns, so that `q`
    /// right after a confirmation neither loses nor half-writes it.
    private var writes: [Int: Task<Void, Never>] = [:]
    private var nextWrite = 0

    /// What wakes the loop.
    private enum Input: Sendable {
        case terminal(TerminalEvent)
        case action(Action)
        case tick
        case frameDue
    }

    public init(
        engine: LiveEngine, reviews: any ReviewService, options: DashboardOptions, terminal: any TerminalBackend,
        clock: any MarginClock
    ) {
        self.engine = engine
        self.reviews = reviews
        self.options = options
        self.terminal = terminal
        self.clock = clock
        state = AppState(operatorName: options.operatorName, readOnly: options.readOnly)
        state.columns = options.columns
        state.sort = options.sort
        state.sortReversed = options.sortReversed
        state.nearThreshold = options.near
    }

    /// Runs until `q` or a stop signal; the terminal is restored on every path.
    /// `snapshots` is consumed in a task of its own; when it ends the screen keeps the last one.
    @discardableResult
    public func run(snapshots: some AsyncSequence<LiveSnapshot, Never> & Sendable) async -> DashboardStats {
        defer { terminal.restore() }
        let started = clock.now
        let (inputs, inbox) = AsyncStream<Input>.makeStream()
        self.inbox = inbox
        let clock = self.clock
        let tasks = [
            Task.detached { for await snap in snapshots { inbox.yield(.action(.snapshot(snap))) } },
            // Ages and notices change with the clock even without new data: a tick on every whole second.
            Task.detached {
                while !Task.isCancelled {
                    let now = clock.now
                    do { try await clock.sleep(for: .fromSeconds(now.rounded(.down) + 1 - now)) } catch { return }
                    inbox.yield(.tick)
                }
            },
        ]
        defer {
            for t in tasks { t.cancel() }
            inbox.finish()
            self.inbox = nil
        }

        let size = terminal.size
        dispatch(.resize(rows: size.rows, cols: size.cols))
        drawIfDue()
        // Keys are handled as the terminal reports them, on the main queue; the rest arrives through `inputs`.
        terminal.start { [weak self] event in self?.handle(.terminal(event)) }
        for await input in inputs {
            handle(input)
            if state.quit || stopRequested { break }
        }
        while let (key, pending) = writes.first {
            await pending.value
            writes[key] = nil
        }
        stats.seconds = clock.now - started
        return stats
    }

    /// Applies one input and draws if a frame is due.
    private func handle(_ input: Input) {
        guard !state.quit, !stopRequested else { return }
        var urgent = false
        switch input {
        case .terminal(.key(let key)):
            dispatch(.key(key))
            dirty = true
            urgent = true
        case .terminal(.mouse(let event)):
            dispatch(.mouse(event))
            dirty = true
            urgent = true
        case .terminal(.resize(let size)):
            dispatch(.resize(rows: size.rows, cols: size.cols))
            dirty = true
            urgent = true
        case .terminal(.stop):
            stopRequested = true
        case .terminal(.redraw):
            terminal.invalidate()
            dirty = true
            urgent = true
        case .action(let action):
            if case .snapshot = action { stats.snapshots += 1 }
            dispatch(action)
            dirty = true
        case .tick:
            dispatch(.tick(now: clock.now))
            dirty = true
        case .frameDue:
            frameScheduled = false
        }
        if state.quit || stopRequested {
            // Wakes `run` to return (a key handled outside its loop).
            inbox?.finish()
            return
        }
        drawIfDue(now: urgent)
    }

    /// Draws when something changed: at once when `urgent` (keys, resizes), else at most once per frame interval.
    private func drawIfDue(now urgent: Bool = false) {
        guard dirty, !state.quit, urgent || !frameScheduled else { return }
        let wait = lastFrame + options.frameInterval - clock.now
        if wait > 0 && !urgent {
            frameScheduled = true
            let clock = self.clock
            let inbox = self.inbox
            Task.detached {
                try? await clock.sleep(for: .fromSeconds(wait))
                inbox?.yield(.frameDue)
            }
            return
        }
        terminal.draw(render(state))
        stats.frames += 1
        lastFrame = clock.now
        dirty = false
    }

    /// Runs a review write, kept until the store answers (``run(snapshots:)`` waits for it before returning).
    private func write(_ body: @escaping @MainActor () async -> Void) {
        let n = nextWrite
        nextWrite += 1
        writes[n] = Task { [weak self] in
            await body()
            self?.writes[n] = nil
        }
    }

    /// Feeds an effect's result back into the loop.
    private func post(_ action: Action) { inbox?.yield(.action(action)) }

    private func dispatch(_ action: Action) {
        let effects = reduce(&state, action)
        for e in effects { perform(e) }
    }

    /// Runs a computation (margin searches through Core) off the main actor and posts its action back.
    private func offMainActor(_ compute: @escaping @Sendable () -> Action) {
        Task { [weak self] in
            let result = await Task.detached(priority: .userInitiated) { compute() }.value
            self?.post(result)
        }
    }

    private func perform(_ effect: Effect) {
        let reviews = self.reviews
        let engine = self.engine
        switch effect {
        case .quit:
            stopRequested = true
        case .redrawScreen:
            // The key's frame, drawn right after, repaints every cell.
            terminal.invalidate()
        case .openReviews(let ids, let note, let op, let metrics):
            write { [weak self] in
                do {
                    let stored = try await reviews.openReviews(
                        accountIds: ids, note: note, operator: op, metrics: metrics)
                    self?.post(.reviewsStored(ids: stored))
                } catch {
                    self?.post(.reviewFailed(String(describing: error)))
                }
            }
        case .loadReviews:
            Task { [weak self] in
                do { self?.post(.reviewsLoaded(try await reviews.listReviews())) } catch {
                    self?.post(.reviewsLoadFailed(String(describing: error)))
                }
            }
        case .acknowledge(let id, let version, let note):
            write { [weak self] in
                do {
                    try await reviews.acknowledge(id: id, version: version, note: note)
                    self?.post(.reviewUpdated(id: id))
                } catch {
                    self?.post(.reviewUpdateFailed(String(describing: error)))
                }
            }
        case .resolve(let id, let version, let outcome, let note):
            write { [weak self] in
                do {
                    try await reviews.resolve(id: id, version: version, outcome: outcome, note: note)
                    self?.post(.reviewUpdated(id: id))
                } catch {
                    self?.post(.reviewUpdateFailed(String(describing: error)))
                }
            }
        case .trackAccount(let id):
            Task { [weak self] in
                let h = await engine.marginRatioHistory(accountId: id)
                self?.post(.marginRatioHistory(accountId: id, h))
            }
        case .drill(let request):
            offMainActor { request.compute() }
        case .reviewMetrics(let request):
            offMainActor { request.compute() }
        case .computeSystemCurve:
            guard !curveRunning, clock.now - lastCurve >= 1, let snap = state.snapshot else { return }
            curveRunning = true
            Task { [weak self] in
                let points = await Task.detached(priority: .utility) {
                    SystemCurve.compute(book: snap.marginBook, prices: snap.prices, insuranceFund: snap.insuranceFund)
                }.value
                guard let self else { return }
                self.curveRunning = false
                self.lastCurve = self.clock.now
                self.post(.systemCurve(points, version: snap.version, time: snap.time))
            }
        }
    }
}
