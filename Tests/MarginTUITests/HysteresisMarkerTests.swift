import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12 item 18: why a row is where it is: a state held by hysteresis is marked (`warning*`),
/// and the asset strip shows each underlying's live vol factor.
@Suite struct HysteresisMarkerTests {
    /// The live book marks exactly the accounts whose displayed state is worse than their figures'.
    @Test func heldStatesAreThoseHysteresisKeeps() throws {
        let book = DemoBook.generate(accounts: 200, seed: 7)
        let t0 = book.asOf.epochSeconds
        var config = LiveConfig()
        config.advanceTime = false
        let live = LiveBook(book: book, config: config, now: t0)
        // Down 8%, then most of the way back: accounts that worsened on the way down keep their
        // worse state until they clear the threshold by the hysteresis.
        for (k, f) in [0.96, 0.92, 0.96, 0.985].enumerated() {
            let t = t0 + Double(k + 1)
            live.apply(
                ["BTC": 60_000.0, "ETH": 3_000.0, "SOL": 150.0].map {
                    PriceUpdate(symbol: $0.key, kind: .index, value: $0.value * f, exchangeTime: t)
                }, now: t)
        }
        let s = live.snapshot(now: t0 + 5)
        let p = s.marginBook.market.params
        let t = s.accounts
        var held = 0
        for a in 0..<t.count {
            let raw = Health.state(
                equity: t.equity[a], adjustedEquity: t.adjustedEquity[a], maintenanceMargin: t.maintenanceMargin[a],
                warn: p.warn, danger: p.danger)
            #expect(t.held[a] == (t.state[a] > raw), "\(t.ids[a]): \(t.state[a]) vs \(raw)")
            if t.held[a] { held += 1 }
        }
        #expect(held > 0, "the way back leaves some states held")
    }

    @Test func heldRowsCarryTheMarkAtEveryWidth() {
        var snap = Fixtures.snapshot()
        let warning = snap.priority.first { snap.accounts.state[$0] == .warning }!
        let liquidatable = snap.priority.first { snap.accounts.state[$0] == .liquidatable }!
        snap.accounts.held = Array(repeating: false, count: snap.accounts.count)
        snap.accounts.held[warning] = true
        snap.accounts.held[liquidatable] = true
        for (cols, liq) in [(80, "liquidatab.*"), (120, "liquidatab.*"), (200, "liquidatab.*")] {
            let lines = render(Fixtures.state(rows: 48, cols: cols, snapshot: snap)).text.split(separator: "\n")
            let w = lines.first { $0.contains(snap.accounts.ids[warning]) }.map(String.init) ?? ""
            let l = lines.first { $0.contains(snap.accounts.ids[liquidatable]) }.map(String.init) ?? ""
            #expect(w.contains("warning*"), "\(cols): \(w)")
            #expect(l.contains(liq), "\(cols): \(l)")
        }
    }

    @Test func stripShowsTheVolFactorOfEachUnderlying() {
        var snap = Fixtures.snapshot()
        let btc = snap.assets.firstIndex { $0.name == "BTC" }!
        snap.assets[btc].volFactor = 1.4234
        for cols in [80, 120, 160, 200] {
            let text = render(Fixtures.state(rows: 48, cols: cols, snapshot: snap)).text
            let strip = text.split(separator: "\n").dropFirst(2).prefix(2).joined(separator: "\n")
            #expect(strip.contains("×1.42"), "\(cols): \(strip)")
            #expect(strip.contains("ETH") == false || strip.contains("×1.00"), "\(cols): \(strip)")
        }
    }
}
