import MarginCore
import MarginRuntime
import MarginStore
import TerminalCore
import Testing

/// The cluster screen's keys, reads and writes (``ClusterScreenState``) and what it draws
/// (``ClusterScreen/render(_:)``), without a terminal or a store; the real thing runs in
/// `ClusterScreenEndToEndTests`.
@Suite struct ClusterScreenStateTests {
    static let now = 1_800_000_000.0

    static func account(_ id: String, shard: Int, ratio: Double, state: AccountState = .danger, stale: Bool = false)
        -> ClusterView.Account
    {
        ClusterView.Account(
            result: ShardResult(
                accountId: id, state: state, liquidatable: false, marginRatio: ratio, maintenanceMargin: 1_000,
                equity: 5_000, adjustedEquity: 4_000, distance: -0.03, stale: stale),
            shard: shard, resultMs: Int64((now - 2) * 1000))
    }

    /// Two shards; shard 1 `health` (dead: its last publish 30 s ago).
    static func view(_ top: [ClusterView.Account], shard1: ClusterView.Shard.Health = .live) throws -> ClusterView {
        let shards = try (0..<2).map { k -> ClusterView.Shard in
            var hb = ShardHeartbeat(
                shard: try ShardSpec(index: k, count: 2), host: "h", pid: 1, startedMs: Int64(now * 1000) - 60_000)
            let age = k == 1 && shard1 == .dead ? 30.0 : 0.5
            hb.lastPublishMs = Int64((now - age) * 1000)
            return ClusterView.Shard(index: k, heartbeat: hb, health: k == 1 ? shard1 : .live, age: age)
        }
        return ClusterView(
            shardCount: 2, time: now, deadAfter: 5, shards: shards, top: top, otherShardCounts: [])
    }

    static func state(readOnly: Bool = false) -> ClusterScreenState {
        ClusterScreenState(operatorName: "alice", readOnly: readOnly, size: TerminalSize(rows: 30, cols: 120))
    }

    static func text(_ s: ClusterScreenState) -> String { ClusterScreen.render(s).text }

    @Test func theSelectionMovesAndFollowsItsAccountAcrossReads() throws {
        var s = Self.state()
        let (a, b, c) = (
            Self.account("ACC-A", shard: 0, ratio: 0.9), Self.account("ACC-B", shard: 1, ratio: 0.8),
            Self.account("ACC-C", shard: 0, ratio: 0.7)
        )
        s.apply(.success(try Self.view([a, b, c])), focus: nil, at: Self.now)
        #expect(s.selected?.result.accountId == "ACC-A")
        _ = s.handle(.char("j"), at: Self.now)
        #expect(s.selected?.result.accountId == "ACC-B")
        let rows = Self.text(s).split(separator: "\n").filter { $0.contains("ACC-") }
        #expect(rows.map { $0.hasPrefix("> ") } == [false, true, false], "the cursor's `>`: \(rows)")
        _ = s.handle(.down, at: Self.now)
        _ = s.handle(.down, at: Self.now)
        #expect(s.selected?.result.accountId == "ACC-C", "the cursor stops at the last row")
        _ = s.handle(.char("k"), at: Self.now)
        // B rises to the top at the next read: the selection stays on B.
        s.apply(.success(try Self.view([b, a, c])), focus: nil, at: Self.now + 1)
        #expect(s.cursor == 0 && s.selected?.result.accountId == "ACC-B")
        // B leaves the list: the cursor stays where it was, on what is there now.
        s.apply(.success(try Self.view([a, c])), focus: nil, at: Self.now + 2)
        #expect(s.selected?.result.accountId == "ACC-A")
    }

    @Test func enterDrillsInAndLOpensAReviewWithTheShardsFigures() throws {
        var s = Self.state()
        let b = Self.account("ACC-B", shard: 1, ratio: 0.8)
        s.apply(.success(try Self.view([Self.account("ACC-A", shard: 0, ratio: 0.9), b])), focus: nil, at: Self.now)
        _ = s.handle(.char("j"), at: Self.now)
        #expect(s.handle(.enter, at: Self.now) == [.loadAccount("ACC-B"), .refresh])
        #expect(s.screen == .drill && s.focusId == "ACC-B")
        let stored = Account(
            id: "ACC-B", name: "Bravo Fund",
            subaccounts: [
                SubAccount(
                    id: "main", collateral: [CollateralLine(asset: "BTC", amount: 1.5)],
                    positions: [Position(instrument: "BTC-PERP", quantity: -2, entryPrice: 60_000)])
            ])
        s.apply(stored: .success(stored), id: "ACC-B", at: Self.now)
        let drill = Self.text(s)
        #expect(drill.contains("ACC-B   name Bravo Fund"), "\(drill)")
        #expect(drill.contains("shard 1/2: live"), "\(drill)")
        #expect(drill.contains("As published by shard 1/2, not recomputed here"), "\(drill)")
        #expect(drill.contains("collateral  BTC  1.5") && drill.contains("position    BTC-PERP  qty -2"), "\(drill)")

        #expect(s.handle(.char("L"), at: Self.now) == [.refresh])
        #expect(Self.text(s).contains("Manual liquidation review"))
        #expect(Self.text(s).contains("operator alice"))
        #expect(!Self.text(s).contains("STALE"))
        // A note is required, as in the dashboard.
        #expect(s.handle(.enter, at: Self.now).isEmpty)
        #expect(s.dialog?.phase == .failed("a note is required"))
        for ch in "call sent" { _ = s.handle(.char(ch), at: Self.now) }
        let effects = s.handle(.enter, at: Self.now)
        guard case .openReview(let id, let note, let confirmed)? = effects.first, effects.count == 1 else {
            Issue.record("expected one openReview, got \(effects)")
            return
        }
        #expect(id == "ACC-B" && note == "call sent")
        #expect(confirmed.accountId == "ACC-B" && confirmed.equity == 5_000 && confirmed.adjustedEquity == 4_000)
        #expect(confirmed.maintenanceMargin == 1_000 && confirmed.marginRatio == 0.8 && confirmed.state == "danger")
        #expect(confirmed.distanceToLiquidation == -0.03)
        #expect(confirmed.computedAt == Double(b.resultMs) / 1000, "stamped with the shard's result time")
        #expect(confirmed.initialMargin.isNaN, "shards publish no IM")
        #expect(s.dialog?.phase == .saving)
        // Keys do nothing while saving; q goes nowhere (no quit with a write in flight).
        #expect(s.handle(.char("q"), at: Self.now).isEmpty && s.dialog?.phase == .saving)
        s.apply(review: .success([7]), at: Self.now)
        #expect(Self.text(s).contains("stored rev-000007"))
        _ = s.handle(.char("x"), at: Self.now)
        #expect(s.dialog == nil && s.screen == .drill)
    }

    @Test func aStoreErrorIsShownAsNotStoredAndCanBeRetried() throws {
        var s = Self.state()
        s.apply(.success(try Self.view([Self.account("ACC-A", shard: 0, ratio: 0.9)])), focus: nil, at: Self.now)
        _ = s.handle(.char("L"), at: Self.now)
        _ = s.handle(.char("n"), at: Self.now)
        _ = s.handle(.enter, at: Self.now)
        s.apply(review: .failure(.activeReviewExists(account: "ACC-A", review: 3)), at: Self.now)
        let screen = Self.text(s)
        #expect(screen.contains("NOT STORED: account \"ACC-A\" already has review 3 in progress"), "\(screen)")
        #expect(screen.contains("[Enter] retry  [Esc] cancel"))
        if case .openReview? = s.handle(.enter, at: Self.now).first {} else { Issue.record("Enter retries") }
    }

    @Test func readOnlyRefusesReviewsAsTheDashboardDoes() throws {
        var s = Self.state(readOnly: true)
        s.apply(.success(try Self.view([Self.account("ACC-A", shard: 0, ratio: 0.9)])), focus: nil, at: Self.now)
        #expect(s.handle(.char("L"), at: Self.now).isEmpty)
        #expect(s.dialog == nil)
        #expect(Self.text(s).contains("read-only: no liquidation reviews (started with --read-only)"))
        _ = s.handle(.enter, at: Self.now)
        #expect(s.handle(.char("L"), at: Self.now).isEmpty && s.dialog == nil, "nor from the drill-down")
    }

    @Test func aDeadShardsFiguresAreMarkedStaleInTheConfirmation() throws {
        var s = Self.state()
        let dead = Self.account("ACC-D", shard: 1, ratio: 0.95)
        let live = Self.account("ACC-L", shard: 0, ratio: 0.9, stale: true)
        s.apply(.success(try Self.view([dead, live], shard1: .dead)), focus: nil, at: Self.now)
        _ = s.handle(.char("L"), at: Self.now)
        var screen = Self.text(s)
        #expect(screen.contains("STALE: shard 1/2 is dead: no publish for 30.0 s"), "\(screen)")
        #expect(screen.contains("[Enter] confirm on these STALE figures"), "\(screen)")
        _ = s.handle(.escape, at: Self.now)
        _ = s.handle(.char("j"), at: Self.now)
        _ = s.handle(.char("L"), at: Self.now)
        screen = Self.text(s)
        #expect(!screen.contains("STALE: shard"), "shard 0 is live: \(screen)")
        #expect(screen.contains("STALE PRICES: the shard marks this account's figures stale"), "\(screen)")
        // A missing shard too.
        s.apply(.success(try Self.view([dead, live], shard1: .missing)), focus: nil, at: Self.now)
        #expect(s.warnings(for: dead).first?.contains("shard 1/2 is missing") == true)
    }

    @Test func aFailedReadKeepsTheLastViewAndMarksItsFiguresStale() throws {
        var s = Self.state()
        let a = Self.account("ACC-A", shard: 0, ratio: 0.9)
        s.apply(.success(try Self.view([a])), focus: nil, at: Self.now)
        s.apply(.failure(.database("connection refused")), focus: nil, at: Self.now + 1)
        var screen = Self.text(s)
        #expect(screen.contains("cannot read the merged view"), "\(screen)")
        #expect(screen.contains("ACC-A"), "the last view stays on screen: \(screen)")
        _ = s.handle(.char("L"), at: Self.now + 1)
        screen = Self.text(s)
        #expect(screen.contains("STALE: cannot read the merged view now"), "\(screen)")
        // The next good read clears it.
        s.apply(.success(try Self.view([a])), focus: a, at: Self.now + 2)
        #expect(!Self.text(s).contains("STALE"))
    }

    @Test func anAccountNoShardPublishesAnyMoreIsMarkedStale() throws {
        var s = Self.state()
        let a = Self.account("ACC-A", shard: 0, ratio: 0.9)
        let b = Self.account("ACC-B", shard: 1, ratio: 0.8)
        s.apply(.success(try Self.view([a, b])), focus: nil, at: Self.now)
        _ = s.handle(.char("L"), at: Self.now)
        s.apply(.success(try Self.view([a, b])), focus: a, at: Self.now + 1)
        #expect(!Self.text(s).contains("STALE"))
        // The account left the book: its shard removed its row.
        s.apply(.success(try Self.view([b])), focus: nil, at: Self.now + 2)
        let screen = Self.text(s)
        #expect(screen.contains("STALE: no shard of 2 publishes this account now"), "\(screen)")
        #expect(s.dialog?.account.result.accountId == "ACC-A", "the dialog stays on its account")
    }
}
