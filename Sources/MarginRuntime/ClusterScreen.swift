import Foundation
import MarginCore
import MarginStore
import NCursesBackend
import TerminalCore

/// `margintop --cluster --store postgres://...`: the merged view of the store's shards on the
/// terminal (``ClusterView``): the summed counts, a shards panel (health, age, feed, last exchange
/// time) and the top accounts by liquidation priority across shards, as many as the screen holds,
/// read again at each shard's publish (`NOTIFY margintop_cluster`) and every second.
///
/// The operator moves through the top accounts (↑ ↓ j k), drills into one (Enter: its published
/// figures, its shard's health, its stored positions and collateral) and opens a manual
/// liquidation review of it (`L`, the dashboard's dialog): written through the store as the
/// dashboard writes it, with the shard's published figures as the confirmed ones (``ClusterScreenState``).
public enum ClusterScreen {
    /// Runs until `q` or a stop signal, with the dashboard's theme, operator and `--read-only`.
    public static func run(_ settings: DashboardSettings) async throws(DashboardLaunchError) {
        guard let url = settings.store, case .postgres = try? StoreURL.parse(url) else {
            throw .usage("--cluster needs --store postgres://...: shards are PostgreSQL only")
        }
        let theme: Theme
        do { theme = try Theme.load(settings.theme) } catch { throw .usage("--theme: \(error)") }
        let store: any AccountStore
        do { store = try await openStore(url, access: settings.readOnly ? .readOnly : .readWrite) } catch {
            throw .runtime("\(error)")
        }
        guard let pg = store as? PostgresStore else {
            await store.close()
            throw .usage("--cluster needs a PostgreSQL store")
        }
        do {
            let terminal = try await NCursesTerminal(theme: theme, mouse: false)
            await show(pg, on: terminal, operatorName: settings.operatorName, readOnly: settings.readOnly)
            await terminal.restore()
            await store.close()
        } catch {
            await store.close()
            throw .runtime("\(error)")
        }
    }

    /// What reaches the screen's loop: the terminal's events, and the results of the store's
    /// reads and writes it started.
    enum Input: Sendable {
        case terminal(TerminalEvent)
        case tick
        case stored(Result<Account?, StoreError>, id: String)
        case review(Result<[Int64], StoreError>)
    }

    @MainActor
    static func show(_ store: PostgresStore, on terminal: NCursesTerminal, operatorName: String, readOnly: Bool)
        async
    {
        let (events, input) = AsyncStream<Input>.makeStream()
        terminal.start { input.yield(.terminal($0)) }
        let ticker = Task {
            while !Task.isCancelled {
                input.yield(.tick)
                try? await Task.sleep(for: .seconds(1))
            }
        }
        // And at each shard's publish, a fifth of a second apart at most.
        let publishes = await store.clusterNotifications()
        let listener = Task { for await _ in publishes { input.yield(.tick) } }
        var writes: [Task<Void, Never>] = []
        var reads: [Task<Void, Never>] = []
        defer {
            ticker.cancel()
            listener.cancel()
            for r in reads { r.cancel() }
        }
        var lastRead = -Double.infinity
        let clock = SystemClock()
        var state = ClusterScreenState(operatorName: operatorName, readOnly: readOnly, size: terminal.size)
        /// Reads the merged view (and the account the screen is about), then draws.
        func read() async {
            lastRead = clock.now
            state.size = terminal.size
            let result: Result<ClusterView, StoreError>
            var focus: ClusterView.Account?
            do {
                let view = try await store.clusterView(
                    shardCount: nil, top: ClusterScreenState.topToRead(rows: state.size.rows))
                if let id = state.focusId {
                    focus = try await store.clusterAccount(id: id, shardCount: view.shardCount)
                }
                result = .success(view)
            } catch { result = .failure(error) }
            state.apply(result, focus: focus, at: Date().timeIntervalSince1970)
        }
        loop: for await event in events {
            switch event {
            case .terminal(.key(let key)):
                for effect in state.handle(key, at: Date().timeIntervalSince1970) {
                    switch effect {
                    case .quit: break loop
                    case .refresh: await read()
                    case .loadAccount(let id):
                        reads.append(
                            Task {
                                let r: Result<Account?, StoreError>
                                do throws(StoreError) { r = .success(try await store.loadAccount(id: id)) } catch {
                                    r = .failure(error)
                                }
                                input.yield(.stored(r, id: id))
                            })
                    case .openReview(let id, let note, let confirmed):
                        // Through the store as the dashboard writes it: one transaction, returned
                        // only once committed; the store's own figures at its stored prices.
                        writes.append(
                            Task {
                                let r: Result<[Int64], StoreError>
                                do throws(StoreError) {
                                    r = .success(
                                        try await store.openReviews(
                                            accounts: [id], operator: operatorName, note: note, prices: nil,
                                            confirmed: [confirmed]
                                        ).map(\.id))
                                } catch { r = .failure(error) }
                                input.yield(.review(r))
                            })
                    }
                }
            case .terminal(.stop): break loop
            case .terminal(.resize(let size)):
                state.size = size
                await read()
            case .terminal(.redraw): break
            case .terminal: continue
            case .tick:
                if clock.now - lastRead < 0.2 { continue }
                await read()
            case .stored(let r, let id):
                state.apply(stored: r, id: id, at: Date().timeIntervalSince1970)
            case .review(let r):
                state.apply(review: r, at: Date().timeIntervalSince1970)
            }
            terminal.draw(render(state))
        }
        // A review in flight is awaited: leaving never drops a write the screen said it was saving
        // (a drill-in's read is not: it is cancelled).
        for w in writes { await w.value }
    }

    static func role(_ h: ClusterView.Shard.Health) -> Role {
        switch h {
        case .live: .safe
        case .finished: .dim
        case .dead: .bankrupt
        case .missing: .warning
        }
    }

    static func role(_ s: AccountState) -> Role {
        switch s {
        case .safe: .safe
        case .warning: .warning
        case .danger: .danger
        case .liquidatable: .liquidatable
        case .bankrupt: .bankrupt
        case .error: .error
        }
    }
}
