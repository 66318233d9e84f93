import Foundation
import MarginCore
import MarginFeeds
import MarginLive
import MarginRuntime
import MarginStore
import Testing

/// The one live loop, on a real replay feed and a real SQLite store.
@Suite struct LiveLoopTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")

    static func book() throws -> Book {
        let path = fixtures.appendingPathComponent("watch-book.json").path
        return try BookDecoder.decode(Array(try Data(contentsOf: URL(fileURLWithPath: path))), file: path)
    }

    static func replay(_ book: Book) throws -> any PriceFeed {
        try FeedFactory.make(
            spec: "replay:" + fixtures.appendingPathComponent("watch-ticks.ndjson").path + ",speed=max",
            universe: SimUniverse(book: book))
    }

    /// Collects a loop's events in order.
    actor Events {
        var all: [LiveEvent] = []
        func add(_ e: LiveEvent) { all.append(e) }
        var states: [String] {
            all.flatMap { e -> [String] in
                guard case .stateChanges(let cs) = e else { return [] }
                return cs.map { "\($0.accountId) \($0.from.name)>\($0.to.name)" }
            }
        }
    }

    /// A finite feed is applied whole, its status written once per change by the loop (the
    /// engine's health shows the loop's wording), the last step's changes come before
    /// `finished`, and the loop returns by itself.
    @Test func finiteFeedRunsToTheEnd() async throws {
        let book = try Self.book()
        let loop = LiveLoop(book: book, feed: try Self.replay(book))
        let events = Events()
        var options = LiveLoop.Options()
        options.statusText = { name, status in "\(name)/\(status)" }
        await loop.run(options) { await events.add($0) }
        let all = await events.all
        guard case .finished = all.last else {
            Issue.record("last event is not .finished: \(String(describing: all.last))")
            return
        }
        // speed=max coalesces the file into few steps (issue 10 makes replay stepwise): the last change is to liquidatable.
        let last = await events.states.last ?? ""
        #expect(last.hasPrefix("ACC-1 ") && last.hasSuffix(">liquidatable"), "\(last)")
        #expect(all.contains { if case .feedStatus(.finished) = $0 { true } else { false } })
        let health = await loop.engine.health(now: loop.clock.now)
        #expect(health.feedStatus == "replay/finished" && !health.feedIsLive)
        #expect(health.storeStatus == "none")
    }

    /// `duration` ends a loop on an endless feed; snapshots are published meanwhile and each
    /// one's age of new updates rests on the feed's receive times (never later than now).
    @Test func durationEndsAnEndlessFeed() async throws {
        let book = try Self.book()
        let feed = try FeedFactory.make(spec: "sim:seed=3,rate=200", universe: SimUniverse(book: book))
        let loop = LiveLoop(book: book, feed: feed)
        let events = Events()
        var options = LiveLoop.Options()
        // Three seconds: beside the CPU-heavy suites (a parallel run) one second saw a single snapshot.
        options.duration = 3
        options.snapshotInterval = .milliseconds(50)
        let started = loop.clock.now
        await loop.run(options) { await events.add($0) }
        let all = await events.all
        let snaps = all.compactMap { e -> LiveSnapshot? in if case .snapshot(let s, _) = e { s } else { nil } }
        #expect(snaps.count >= 2, "\(snaps.count) snapshots in 3 s")
        #expect(snaps.contains { $0.oldestNewUpdate != nil })
        #expect(
            snaps.allSatisfy {
                ($0.oldestNewUpdate ?? started) >= started && ($0.oldestNewUpdate ?? 0) <= loop.clock.now
            })
        #expect(loop.clock.now - started >= 3)
        #expect(await feed.status() == .finished)
    }

    /// The dashboard's pace publishes the book as loaded before the first step (a big book's
    /// first screen does not wait for a step interval and a recompute).
    @Test func aSnapshotBeforeTheFirstStep() async throws {
        let book = try Self.book()
        let feed = try FeedFactory.make(spec: "sim:seed=5,rate=50", universe: SimUniverse(book: book))
        let loop = LiveLoop(book: book, feed: feed)
        let events = Events()
        var options = LiveLoop.Options()
        options.duration = 0.3
        options.stepInterval = .milliseconds(150)
        options.snapshotAfterStep = true
        options.snapshotInterval = .seconds(1)
        options.reportSteps = true
        await loop.run(options) { await events.add($0) }
        let kinds = await events.all.compactMap { e -> String? in
            switch e {
            case .snapshot(let s, _): "snapshot \(s.accounts.count)"
            case .stepped: "step"
            default: nil
            }
        }
        #expect(kinds.first == "snapshot \(book.accounts.count)" && kinds.dropFirst().first == "step", "\(kinds)")
    }

    /// The rest after a step: `stepRest` times the step's time, never less than `stepInterval`
    /// (nor more than a minute, whatever the step took).
    @Test func restAfterAStepScalesWithItsTime() {
        var o = LiveLoop.Options()
        o.stepInterval = .milliseconds(2)
        #expect(o.rest(afterBusy: 0.5) == .milliseconds(2))
        o.stepRest = 0.5
        #expect(o.rest(afterBusy: 0.030) == .milliseconds(15))
        #expect(o.rest(afterBusy: 0.001) == .milliseconds(2))
        #expect(o.rest(afterBusy: .nan) == .milliseconds(2) && o.rest(afterBusy: -1) == .milliseconds(2))
        #expect(o.rest(afterBusy: 1e9) == .seconds(60))
    }

    /// The dashboard's pace: with `snapshotAfterStep` every step that recomputed is followed at
    /// once by its snapshot; steps that changed nothing publish only every `snapshotInterval`.
    @Test func snapshotAfterEachRecomputingStep() async throws {
        let book = try Self.book()
        for (rate, interval) in [(200, Duration.seconds(1)), (1, .milliseconds(300))] {
            let feed = try FeedFactory.make(spec: "sim:seed=4,rate=\(rate)", universe: SimUniverse(book: book))
            let loop = LiveLoop(book: book, feed: feed)
            let events = Events()
            var options = LiveLoop.Options()
            // Three seconds: sync tests beside it (a parallel run) can hold both of the pool's
            // threads for over a second, and 1.2 s then saw no step at all.
            options.duration = 3
            options.stepInterval = .milliseconds(rate == 1 ? 20 : 50)
            options.snapshotAfterStep = true
            options.snapshotInterval = interval
            options.reportSteps = true
            await loop.run(options) { await events.add($0) }
            let all = await events.all
            var recomputing = 0
            var followed = 0
            var steps = 0
            for (i, e) in all.enumerated() {
                guard case .stepped(let step) = e else { continue }
                steps += 1
                guard step.recomputedUnits > 0 else { continue }
                recomputing += 1
                if i + 1 < all.count, case .snapshot = all[i + 1] { followed += 1 }
            }
            let snaps = all.filter { if case .snapshot = $0 { true } else { false } }.count
            #expect(recomputing > 0 && followed == recomputing, "rate \(rate): \(followed) of \(recomputing)")
            if rate == 1 {
                // About 150 steps, a handful of ticks: a snapshot per tick and one per 300 ms idle.
                #expect(steps > 20 && snaps <= recomputing + 12, "\(snaps) snapshots, \(steps) steps")
            }
        }
    }

    /// Following a store: an account edited in the store while the loop runs reaches the live
    /// book, and the state change it causes is reported by the loop.
    @Test func followsTheStore() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("liveloop-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let url = "sqlite:" + dir.appendingPathComponent("store.sqlite").path
        let book = try Self.book()
        let seeding = try await openStore(url, access: .create)
        try await seeding.importBook(book, operator: "test")
        await seeding.close()

        let followed = try await FollowedStore.open(url)
        let feed = try FeedFactory.make(spec: "sim:seed=1,rate=1", universe: SimUniverse(book: followed.book))
        let loop = LiveLoop(following: followed, feed: feed)
        let events = Events()
        var options = LiveLoop.Options()
        options.duration = 5
        options.followInterval = .milliseconds(100)
        let running = Task { await loop.run(options) { await events.add($0) } }
        // ACC-1 thinned to 1000 USDC of collateral: MM 1200 > AE 1000, liquidatable.
        var thin = try #require(followed.book.accounts.first { $0.id == "ACC-1" })
        for s in thin.subaccounts.indices {
            for c in thin.subaccounts[s].collateral.indices where thin.subaccounts[s].collateral[c].amount == 3000 {
                thin.subaccounts[s].collateral[c].amount = 1000
            }
        }
        try await followed.store.putAccount(thin, operator: "test")
        var seen = false
        for _ in 0..<200 where !seen {
            try await Task.sleep(for: .milliseconds(20))
            seen = await events.states.contains { $0.hasPrefix("ACC-1 ") && $0.hasSuffix(">liquidatable") }
        }
        running.cancel()
        await running.value
        await followed.store.close()
        let states = await events.states
        #expect(seen, "states seen: \(states)")
        #expect(await loop.engine.health(now: loop.clock.now).storeStatus == "connected")
    }

    // MARK: Deterministic replay (issue 10 item 21)

    /// ACC-1 (long 2 BTC-PERP on 3000 USDC): index and mark tick together; one mark line is
    /// older than the line before it (out of order: it would make ACC-1 bankrupt); the last
    /// step has no index tick, whose age (14 exchange seconds) makes ACC-1 stale.
    static let steppedTicks = """
        {"ts":"2026-11-24T12:00:00.000Z","symbol":"BTC","kind":"index","price":60000}
        {"ts":"2026-11-24T12:00:00.000Z","symbol":"BTC-PERP","kind":"mark","price":60000}
        {"ts":"2026-11-24T12:00:01.000Z","symbol":"BTC","kind":"index","price":59300}
        {"ts":"2026-11-24T12:00:00.500Z","symbol":"BTC-PERP","kind":"mark","price":40000}
        {"ts":"2026-11-24T12:00:01.000Z","symbol":"BTC-PERP","kind":"mark","price":59300}
        {"ts":"2026-11-24T12:00:06.000Z","symbol":"BTC","kind":"index","price":59100}
        {"ts":"2026-11-24T12:00:06.000Z","symbol":"BTC-PERP","kind":"mark","price":59100}
        {"ts":"2026-11-24T12:00:20.000Z","symbol":"BTC-PERP","kind":"mark","price":59000}
        """
    static let t0 = 1_795_521_600.0  // 2026-11-24T12:00:00Z

    /// A deterministic loop at speed=max steps once per distinct exchange time (or `step=`
    /// bucket) at that time, whatever the machine: each state change at the time of its tick,
    /// staleness judged in exchange time, and the feed never more than one step ahead (its
    /// counters at each step are that step's).
    @Test(arguments: [(nil, [0.0, 1, 6, 20], [2, 4, 6, 7]), (5.0, [1, 6, 20], [4, 6, 7])])
    func deterministicReplayStepsInExchangeTime(step: Double?, times: [Double], counted: [Int]) async throws {
        let book = try Self.book()
        let feed = ReplayFeed(
            source: ReplaySource.parseNDJSON(Self.steppedTicks),
            options: ReplayOptions(path: "-", speed: .max, step: step))
        let loop = LiveLoop(book: book, feed: feed, deterministic: true)
        #expect(loop.isDeterministic && loop.startTime == Self.t0 && loop.exchangeTime == Self.t0)
        let events = Events()
        let seen = StepLog()
        await loop.run(LiveLoop.Options()) { event in
            await events.add(event)
            guard case .tick(let now) = event else { return }
            // Time for a feed that runs ahead to show it.
            try? await Task.sleep(for: .milliseconds(5))
            let snap = await loop.engine.snapshot(now: now)
            let acc1 = snap.accounts.ids.firstIndex(of: "ACC-1").map { snap.accounts.stale[$0] }
            await seen.add(now: now, ticks: await feed.counters().ticks, stale: acc1 ?? false)
        }
        #expect(await seen.times.map { $0 - Self.t0 } == times)
        #expect(await seen.ticks == counted)
        #expect(await seen.stale == times.map { $0 == 20 })
        let changes = await events.all.flatMap { e -> [StateChange] in
            if case .stateChanges(let cs) = e { cs } else { [] }
        }
        #expect(
            changes.map { "\($0.from.name)>\($0.to.name) \($0.time - Self.t0)" } == [
                "safe>warning 1.0", "warning>danger 6.0", "danger>liquidatable 20.0",
            ])
        #expect(changes.allSatisfy { $0.cause?.exchangeTime == $0.time })
        #expect(await feed.counters().rejected == ["out_of_order": 1])
        // The feed's status changes come from the same sequence: live first, finished before the end.
        let order = await events.all.compactMap { e -> String? in
            switch e {
            case .feedStatus(let s): "feed \(s)"
            case .finished(let now): "finished \(now - Self.t0)"
            default: nil
            }
        }
        #expect(order == ["feed live", "feed finished", "finished 20.0"])
        #expect(loop.exchangeTime == Self.t0 + 20)
    }

    /// `deterministic` is for replays: a live feed keeps coalescing on the clock, and a loop that
    /// does not ask for it (the dashboard) runs a replay on the clock as before.
    @Test func deterministicOnlyForReplays() async throws {
        let book = try Self.book()
        let sim = try FeedFactory.make(spec: "sim:seed=1", universe: SimUniverse(book: book))
        let live = LiveLoop(book: book, feed: sim, deterministic: true)
        #expect(!live.isDeterministic && live.exchangeTime == nil)
        let dashboard = LiveLoop(book: book, feed: try Self.replay(book))
        #expect(!dashboard.isDeterministic && dashboard.exchangeTime == nil)
        await sim.stop()
    }

    /// Without `stopWhenFeedFinishes` a deterministic loop outlives its replay until cancelled.
    @Test func deterministicLoopCanOutliveItsFeed() async throws {
        let book = try Self.book()
        let loop = LiveLoop(book: book, feed: try Self.replay(book), deterministic: true)
        let events = Events()
        var options = LiveLoop.Options()
        options.stopWhenFeedFinishes = false
        let running = Task { await loop.run(options) { await events.add($0) } }
        var finished = false
        for _ in 0..<500 where !finished {
            try await Task.sleep(for: .milliseconds(10))
            finished = await events.all.contains { if case .feedStatus(.finished) = $0 { true } else { false } }
        }
        #expect(finished)
        #expect(await !events.all.contains { if case .finished = $0 { true } else { false } })
        running.cancel()
        await running.value
        guard case .finished(let now) = await events.all.last else {
            Issue.record("the loop did not end with .finished")
            return
        }
        #expect(now == Self.t0 + 8)
        #expect(await events.states == ["ACC-1 safe>warning", "ACC-1 warning>danger", "ACC-1 danger>liquidatable"])
    }

    /// What each step saw.
    actor StepLog {
        var times: [Double] = []
        var ticks: [Int] = []
        var stale: [Bool] = []
        func add(now: Double, ticks n: Int, stale s: Bool) {
            times.append(now)
            ticks.append(n)
            stale.append(s)
        }
    }
}
