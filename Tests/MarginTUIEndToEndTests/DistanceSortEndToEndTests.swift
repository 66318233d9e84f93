import Foundation
import MarginCore
import Testing
import ThreadTestSupport

/// Issue 11's tmux bar: on a 10,000-account book, `d` puts the account with the smallest
/// `|distance to liquidation|` at the top of the real dashboard, with distances the live engine
/// computed (the screen never computes them).
///
/// The book: a demo book without its option lines (the live analysis of linear accounts is a closed
/// form, so a debug binary analyses all 10,000 in seconds) and without the accounts within 2% of
/// liquidation at its prices. With those in, the nearest would be the priority order's own top (the
/// liquidatable ones tie at distance 0 and come in priority order; otherwise the highest margin ratio
/// is nearest), and the test could not tell `d` from doing nothing. The feed repeats every asset's book
/// price (`replay:FILE,loop`), so prices never move and the expected order, computed here with
/// MarginCore's ``BatchAnalyzer`` at the book's prices, is the one the dashboard must show.
@Suite(.serialized, .timeLimit(.minutes(5)))
struct DistanceSortEndToEndTests {
    /// Accounts in the book (the counts line writes `10,000/10,000 shown`).
    static let accounts = 10_000

    /// The test book and the id it must put on top.
    struct Fixture {
        var book: Book
        var nearest: String
        var nearestDistance: Double
    }

    static func fixture() throws -> Fixture {
        var book = DemoBook.generate(accounts: accounts * 17 / 10, seed: 11)
        let options = Set(book.instruments.filter { $0.kind == .option }.map(\.name))
        for a in book.accounts.indices {
            for s in book.accounts[a].subaccounts.indices {
                book.accounts[a].subaccounts[s].positions.removeAll { options.contains($0.instrument) }
            }
        }
        book.instruments.removeAll { $0.kind == .option }
        var d = distances(book)
        // Within 2% of liquidation (already liquidatable included): out; then the first 10,000 in book order.
        let kept = zip(book.accounts, d).filter { $0.1.map { abs($0) >= 0.02 } ?? true }.map(\.0)
        book.accounts = Array(kept.prefix(accounts))
        try #require(book.accounts.count == accounts, "the demo book has too few accounts 2% or more from liquidation")
        d = distances(book)
        let ranked = d.enumerated().compactMap { k, v in v.map { (k, abs($0)) } }.sorted { $0.1 < $1.1 }
        let first = try #require(ranked.first)
        let second = try #require(ranked.dropFirst().first)
        // A clear winner: each distance is within 1e-6 of the true root (spec 4), so a gap over twice
        // that cannot be reordered by an analysis that refines differently.
        try #require(second.1 - first.1 > 2.5e-6, "nearest accounts too close: \(first) \(second)")
        try #require(first.1 > 0)
        return Fixture(
            book: book, nearest: book.accounts[first.0].id, nearestDistance: d[first.0] ?? .nan)
    }

    /// Each account's distance at the book's prices (`nil`: none in range), as the live analysis has it.
    static func distances(_ book: Book) -> [Double?] {
        let mb = MarginBook(book: book)
        return BatchAnalyzer(book: mb).analyze(
            Array(0..<book.accounts.count), at: PriceState(book: book), liquidationPrices: false
        ).map(\.distance)
    }

    @Test(.enabled(if: E2E.tmuxAvailable))
    func dPutsTheNearestAccountOnTop() async throws {
        try await offThread { try Self.dPutsTheNearestAccountOnTopBlocking() }
    }

    static func dPutsTheNearestAccountOnTopBlocking() throws {
        let f = try fixture()
        let e2e = try E2E()
        let bookPath = e2e.home + "/book.json"
        try BookEncoder.encode(f.book).write(toFile: bookPath, atomically: true, encoding: .utf8)
        let store = "sqlite:" + e2e.home + "/book.sqlite"
        _ = try e2e.run(["import", bookPath, "--store", store])
        // Every non-stable asset at its book price, twice a second, forever.
        let now = Date().timeIntervalSince1970.rounded(.down)
        var ticks = ""
        for step in 0..<2 {
            let ts = now + 0.5 * Double(step)
            for asset in f.book.assets where !asset.stable {
                let line: [String: Any] = [
                    "ts": iso(ts), "symbol": asset.name, "kind": "index", "price": asset.effectivePrice,
                ]
                let data = try JSONSerialization.data(withJSONObject: line, options: [.sortedKeys])
                ticks += String(decoding: data, as: UTF8.self) + "\n"
            }
        }
        let replay = e2e.home + "/ticks.ndjson"
        try ticks.write(toFile: replay, atomically: true, encoding: .utf8)

        let t = TmuxSession()
        defer { t.kill() }
        try t.start(
            command: e2e.dashboard(["--store", store, "--operator", "e2e", "--feed", "replay:\(replay),loop"]),
            cols: 160, rows: 48)
        let first = try t.waitFor("the overview of 10,000 accounts", timeout: 60) {
            $0.contains("ID (prio)") && $0.contains("/10,000 shown") && $0.contains("ACC-")
        }
        // The priority order's top is another account: only the sort can bring the nearest up.
        let priorityTop = try #require(topRow(first).flatMap(accountId), "no rows on:\n\(first)")
        try #require(priorityTop != f.nearest, "the nearest account is the priority order's top too")

        // The live engine analyses the book in rotation: the wait covers a whole round in a debug build.
        try t.keys("d")
        let sorted = try t.waitFor(
            "\(f.nearest) (|distance| \(f.nearestDistance)) on top after d", timeout: 120
        ) { screen in
            screen.contains("DIST↑") && topRow(screen).flatMap(accountId) == f.nearest
        }
        let top = try #require(topRow(sorted))
        // Its DIST cell is the live engine's figure, not `…` (never analysed) or `-`.
        #expect(top.contains(String(format: "%+.1f%%", f.nearestDistance * 100)), "top row: \(top)")

        // `d` again: reversed, the nearest leaves the top.
        try t.keys("d")
        try t.waitFor("the reversed distance sort") { screen in
            screen.contains("DIST↓") && topRow(screen).flatMap(accountId).map { $0 != f.nearest } == true
        }
        try t.keys("q")
        try t.waitForExit(status: 0)
    }

    /// The first account row of the table.
    static func topRow(_ screen: String) -> String? {
        screen.split(separator: "\n").first { $0.contains("ACC-") }.map(String.init)
    }

    static func accountId(_ row: String) -> String? {
        row.split(separator: " ").first { $0.hasPrefix("ACC-") }.map(String.init)
    }

    static func iso(_ seconds: Double) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: Date(timeIntervalSince1970: seconds))
    }
}
