import MarginCore
import MarginStore
import NCursesBackend
import TerminalCore

/// `margintop --cluster --store postgres://...`: the merged view of the store's shards on the
/// terminal (``ClusterView``): the summed counts, a shards panel (health, age, feed, last exchange
/// time) and the top accounts by liquidation priority across shards, as many as the screen holds,
/// read again at each shard's publish (`NOTIFY margintop_cluster`) and every second. Read-only:
/// no drill-down and no reviews (open them with `margintop review open`, through the store).
/// Keys: `q` quits.
public enum ClusterScreen {
    /// Runs until `q` or a stop signal.
    public static func run(store url: String?, theme name: String?) async throws(DashboardLaunchError) {
        guard let url, case .postgres = try? StoreURL.parse(url) else {
            throw .usage("--cluster needs --store postgres://...: shards are PostgreSQL only")
        }
        let theme: Theme
        do { theme = try Theme.load(name ?? "default") } catch { throw .usage("--theme: \(error)") }
        let store: any AccountStore
        do { store = try await openStore(url, access: .readOnly) } catch { throw .runtime("\(error)") }
        guard let pg = store as? PostgresStore else {
            await store.close()
            throw .usage("--cluster needs a PostgreSQL store")
        }
        do {
            let terminal = try await NCursesTerminal(theme: theme, mouse: false)
            await show(pg, on: terminal)
            await terminal.restore()
            await store.close()
        } catch {
            await store.close()
            throw .runtime("\(error)")
        }
    }

    @MainActor
    static func show(_ store: PostgresStore, on terminal: NCursesTerminal) async {
        let (events, input) = AsyncStream<TerminalEvent>.makeStream()
        terminal.start { input.yield($0) }
        let ticker = Task {
            while !Task.isCancelled {
                input.yield(.redraw)
                try? await Task.sleep(for: .seconds(1))
            }
        }
        // And at each shard's publish, a fifth of a second apart at most.
        let publishes = await store.clusterNotifications()
        let listener = Task { for await _ in publishes { input.yield(.redraw) } }
        defer {
            ticker.cancel()
            listener.cancel()
        }
        var lastRead = -Double.infinity
        let clock = SystemClock()
        loop: for await event in events {
            switch event {
            case .key(.char("q")), .key(.char("Q")), .stop: break loop
            case .redraw, .resize:
                if case .redraw = event, clock.now - lastRead < 0.2 { continue }
                lastRead = clock.now
                let size = terminal.size
                let result: Result<ClusterView, StoreError>
                do {
                    result = .success(try await store.clusterView(shardCount: nil, top: max(1, size.rows - 8)))
                } catch { result = .failure(error) }
                terminal.draw(render(result, size: terminal.size))
            default: break
            }
        }
    }

    /// The screen for a view (or the error reading it).
    public static func render(_ result: Result<ClusterView, StoreError>, size: TerminalSize) -> CellBuffer {
        var b = CellBuffer(rows: size.rows, cols: size.cols)
        var row = 0
        func line(_ text: String, _ role: Role) {
            guard row < size.rows - 1 else { return }
            _ = b.put(row: row, col: 0, TextCell.sanitize(text), role: role, width: size.cols)
            row += 1
        }
        line("margintop --cluster", .title)
        switch result {
        case .failure(let error):
            line("cannot read the merged view: \(error)", .error)
        case .success(let view):
            let (summary, shards, accounts) = view.tableSections()
            for s in summary { line(s, .text) }
            row += 1
            for (i, s) in shards.enumerated() {
                line(s, i == 0 ? .tableHeader : role(view.shards[i - 1].health))
            }
            row += 1
            for (i, s) in accounts.enumerated() where row < size.rows - 1 {
                line(s, i == 0 ? .tableHeader : role(view.top[i - 1].result.state))
            }
        }
        _ = b.put(
            row: size.rows - 1, col: 0, "q quit   read-only: reviews with `margintop review open`", role: .footer,
            width: size.cols)
        return b
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
