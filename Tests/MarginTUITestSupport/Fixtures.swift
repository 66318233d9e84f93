import Foundation
import MarginCore
import MarginLive
import MarginTUI

/// Deterministic books, snapshots and states for reduce/render tests.
public enum Fixtures {
    public static let hostileName = "\u{1b}]0;pwned\u{07}"
    public static let cjkName = "東京リスク管理デスク第一部門グローバル"

    /// The book's `asOf`, used as "now" everywhere so screens are reproducible.
    public static var now: Double { Timestamp.parse(DemoBook.asOf)?.epochSeconds ?? 0 }

    /// A 40-account demo book with a hostile name and a long CJK name.
    public static func book(accounts: Int = 40) -> Book {
        var b = DemoBook.generate(accounts: accounts, seed: 7)
        b.accounts[0].name = hostileName
        b.accounts[1].name = cjkName
        return b
    }

    /// A snapshot after a few seconds of deterministic ticks (history and recent changes filled), every
    /// account's distance analysed at its prices (``analysed(_:at:)``).
    public static func snapshot(accounts: Int = 40) -> LiveSnapshot {
        let t0 = now
        let live = LiveBook(book: book(accounts: accounts), now: t0)
        let moves: [(String, Double)] = [("BTC", 60_000), ("ETH", 3_000), ("SOL", 150)]
        for k in 1...12 {
            let t = t0 + Double(k)
            let f = 1 - 0.006 * Double(k)
            _ = live.apply(
                moves.map { PriceUpdate(symbol: $0.0, kind: .index, value: $0.1 * f, exchangeTime: t) }, now: t)
            live.sample(now: t)
        }
        let end = t0 + 12.5
        var health = LoopHealth(
            feedStatus: "live", feedIsLive: true, ticksPerSecond: 50, recomputeP50Ms: 0.4, recomputeP99Ms: 1.5)
        // As the engine reports a live feed: ticks arrived (the last at t0+12), recomputes measured.
        health.feedName = "sim"
        health.feedNotLiveSince = nil
        health.lastTickTime = t0 + 12
        health.recomputeSamples = 12
        return analysed(live.snapshot(now: end, health: health))
    }

    /// `snap` with the live feed gone dead as a websocket to a closed port leaves it: down since
    /// `downFor` seconds before the snapshot with `reason`, reconnecting; `ticked`: whether any
    /// tick arrived before (else every figure rests on the book's stored prices).
    public static func deadFeed(
        _ snap: LiveSnapshot, downFor: Double = 41, reason: String = "Connection refused (errno: 111)",
        ticked: Bool = false
    ) -> LiveSnapshot {
        var s = snap
        s.health.feedName = "binance"
        s.health.feedIsLive = false
        s.health.feedStatus = "binance reconnecting (attempt 7 in 26s)"
        s.health.feedDownReason = reason
        s.health.feedNotLiveSince = snap.time - downFor
        s.health.ticksPerSecond = 0
        // Ages count from the last real tick: none (infinite), or the moment the feed died.
        let age = ticked ? downFor : Double.infinity
        let stale = age > snap.marginBook.market.params.staleAfterSeconds
        s.health.lastTickTime = ticked ? snap.time - downFor : nil
        s.health.oldestPriceAge = age
        if !ticked { s.health.recomputeSamples = 0 }
        for k in s.assets.indices where !s.assets[k].stable {
            s.assets[k].stale = stale
            s.assets[k].age = age
        }
        for a in s.accounts.dataAge.indices where s.accounts.dataAge[a] > 0 {
            s.accounts.dataAge[a] = age
            s.accounts.stale[a] = stale
        }
        return s
    }

    /// `snap` with the distance columns set as the live engine sets them: every account analysed
    /// with MarginCore's ``BatchAnalyzer`` at the snapshot's prices, stamped `at` (default: the snapshot's time).
    public static func analysed(_ snap: LiveSnapshot, at time: Double? = nil) -> LiveSnapshot {
        var s = snap
        let all = Array(0..<snap.accounts.count)
        let analysis = BatchAnalyzer(book: snap.marginBook).analyze(
            all, at: snap.prices, liquidationPrices: false, threads: 1)
        s.accounts.distance = analysis.map { $0.distance ?? .nan }
        s.accounts.analysedAt = Array(repeating: time ?? snap.time, count: all.count)
        return s
    }

    /// A state showing `snapshot` at a size.
    public static func state(
        rows: Int = 40, cols: Int = 120, readOnly: Bool = false, snapshot snap: LiveSnapshot? = nil
    ) -> AppState {
        var s = AppState(operatorName: "alice", readOnly: readOnly)
        _ = drive(&s, .resize(rows: rows, cols: cols))
        let sn = snap ?? snapshot()
        _ = drive(&s, .tick(now: sn.time))
        _ = drive(&s, .snapshot(sn))
        return s
    }

    public static func reviews(now: Double) -> [Review] {
        func step(_ status: ReviewStatus, _ op: String, _ at: Double, _ note: String?) -> ReviewTransition {
            ReviewTransition(status: status, operator: op, at: at, note: note, metrics: nil)
        }
        return [
            Review(
                id: 3, account: "ACC-100002", status: .open, version: 1, openedBy: "alice", openedAt: now - 30,
                updatedAt: now - 30, transitions: [step(.open, "alice", now - 30, "margin call sent")]),
            Review(
                id: 2, account: "ACC-100005", status: .acknowledged, version: 2, openedBy: "bob", openedAt: now - 700,
                updatedAt: now - 100,
                transitions: [
                    step(.open, "bob", now - 700, nil),
                    step(.acknowledged, "bob", now - 100, "desk says collateral in flight " + hostileName),
                ]),
            Review(
                id: 1, account: "ACC-100001", status: .liquidated, version: 2, openedBy: "carol", openedAt: now - 7_300,
                updatedAt: now - 3_600,
                transitions: [
                    step(.open, "carol", now - 7_300, nil),
                    step(.liquidated, "carol", now - 3_600, "closed out " + cjkName),
                ]),
        ]
    }
}
