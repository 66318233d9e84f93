import Foundation
import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// The overview reads distances to liquidation from the snapshot: `d` / `D` sort the whole book by
/// them, `/dist<5%` filters on them, and the DIST column marks old ones.
@Suite struct DistanceTests {
    static let base = Fixtures.snapshot(accounts: 200)

    /// `base` with the distance columns set: `values[k]` for account `k` (`nil`: never analysed), all
    /// analysed at the snapshot's time unless `at` says otherwise.
    static func snapshot(_ values: [Double?], at: [Double]? = nil) -> LiveSnapshot {
        var s = base
        let n = s.accounts.count
        s.accounts.distance = (0..<n).map { k in k < values.count ? (values[k] ?? .nan) : .nan }
        s.accounts.analysedAt = (0..<n).map { k in
            k < values.count && values[k] == nil ? -.infinity : (at.map { $0[k] } ?? s.time)
        }
        return s
    }

    func filter(_ s: inout AppState, _ text: String) {
        press(&s, .char("/"))
        for c in text { press(&s, .char(c)) }
        press(&s, .enter)
    }

    /// The expected order, written out: |distance| ascending, NaN last, ties by priority position.
    static func expectedOrder(_ snap: LiveSnapshot) -> [Int] {
        let rank = Dictionary(uniqueKeysWithValues: snap.priority.enumerated().map { ($0.element, $0.offset) })
        return snap.priority.sorted { a, b in
            let da = snap.accounts.distance[a].isNaN ? Double.infinity : abs(snap.accounts.distance[a])
            let db = snap.accounts.distance[b].isNaN ? Double.infinity : abs(snap.accounts.distance[b])
            return da != db ? da < db : rank[a, default: 0] < rank[b, default: 0]
        }
    }

    @Test func dSortsTheWholeBookNearestFirstWithNoDistanceLast() throws {
        // Every seventh account has no distance, every fifth is already liquidatable, the others
        // alternate signs so that the sort is by the size of the move, not its sign.
        let n = Self.base.accounts.count
        func value(_ k: Int) -> Double? {
            if k % 7 == 3 { return k % 2 == 0 ? nil : Double.nan }
            if k % 5 == 0 { return 0 }
            let size = Double(k % 37) / 100
            return k % 2 == 0 ? size : -size
        }
        let values = (0..<n).map(value)
        let snap = Self.snapshot(values)
        var s = Fixtures.state(rows: 24, cols: 120, snapshot: snap)
        #expect(s.tableRows == snap.priority)
        press(&s, .char("d"))
        #expect(s.sort == .distance && !s.sortReversed)
        // From the first row, the new head is selected and on screen (not the old top, followed down).
        #expect(s.cursor == 0 && s.top == 0 && s.selectedAccount == s.tableRows.first)
        // Over all 200 accounts, not only the rows on screen.
        #expect(s.tableRows.count == n)
        #expect(s.tableRows == Self.expectedOrder(snap))
        let d = snap.accounts.distance
        let top = try #require(s.tableRows.first)
        #expect(d[top] == 0)
        // Already liquidatable ones (0) first in priority order, then growing |distance|.
        let zeros = snap.priority.filter { d[$0] == 0 }
        #expect(Array(s.tableRows.prefix(zeros.count)) == zeros)
        let sizes = s.tableRows.map { d[$0].isNaN ? Double.infinity : abs(d[$0]) }
        #expect(zip(sizes, sizes.dropFirst()).allSatisfy { $0 <= $1 })
        let firstNaN = try #require(s.tableRows.firstIndex { d[$0].isNaN })
        #expect(s.tableRows[firstNaN...].allSatisfy { d[$0].isNaN })
        #expect(s.tableRows[..<firstNaN].allSatisfy { !d[$0].isNaN })
        // Nearest first is smallest |distance| first: ↑, as for every column (issue 12, item 14).
        #expect(render(s).text.contains("DIST↑"))

        // A second `d` reverses: farthest (and no distance) first.
        press(&s, .char("d"))
        #expect(s.sortReversed && s.tableRows == Self.expectedOrder(snap).reversed())
        #expect(render(s).text.contains("DIST↓"))
        // `D` is farthest first from any other sort too, and stays so when pressed again.
        press(&s, .char("e"), .char("D"))
        #expect(s.sort == .distance && s.sortReversed && s.tableRows == Self.expectedOrder(snap).reversed())
        press(&s, .char("D"))
        #expect(s.sortReversed)
        press(&s, .char("d"))
        #expect(!s.sortReversed && s.tableRows == Self.expectedOrder(snap))
    }

    @Test func aSortFromAnotherRowKeepsTheSelectedAccount() throws {
        let n = Self.base.accounts.count
        var s = Fixtures.state(rows: 24, cols: 120, snapshot: Self.snapshot((0..<n).map { Double($0 + 1) / 1000 }))
        press(&s, .char("j"), .char("j"), .char("j"))
        let selected = try #require(s.selectedAccount)
        press(&s, .char("d"))
        #expect(s.selectedAccount == selected && s.cursor == selected)
        press(&s, .char("g"), .char("D"))
        #expect(s.cursor == 0 && s.selectedAccount == n - 1)
    }

    @Test func onTheFirstRowTheHeadStaysInView() throws {
        // `d` before the first analysis: every distance unknown, the priority order's top on row 1.
        let n = Self.base.accounts.count
        var s = Fixtures.state(rows: 24, cols: 120, snapshot: Self.snapshot(Array(repeating: nil, count: n)))
        press(&s, .char("d"))
        #expect(s.tableRows == Self.base.priority)
        // The analysis arrives: the nearest account takes the first row, and the cursor stays there
        // (it does not follow the old top down the list, out of view).
        let nearest = try #require(Self.base.priority.last)
        var next = Self.snapshot((0..<n).map { $0 == nearest ? 0.001 : 0.5 })
        next.version += 1
        _ = drive(&s, .snapshot(next))
        #expect(s.tableRows.first == nearest && s.cursor == 0 && s.top == 0)
        #expect(
            render(s).text.split(separator: "\n").first { $0.contains("ACC-") }?.contains(next.accounts.ids[nearest])
                == true)
    }

    @Test func theSortFollowsEachSnapshotAndKeepsTheSelection() throws {
        let n = Self.base.accounts.count
        let first = Self.snapshot((0..<n).map { Double($0 + 1) / 1000 })
        var s = Fixtures.state(rows: 24, cols: 120, snapshot: first)
        press(&s, .char("d"))
        #expect(s.tableRows.first == 0)
        press(&s, .char("j"), .char("j"))
        let selected = s.selectedAccount
        // Distances reversed in the next snapshot: the order follows, the cursor stays on its account.
        var next = Self.snapshot((0..<n).map { Double(n - $0) / 1000 })
        next.version += 1
        _ = drive(&s, .snapshot(next))
        #expect(s.tableRows.first == n - 1)
        #expect(s.selectedAccount == selected)
    }

    @Test func aHundredThousandAccountsSortOnce() {
        // The sort alone, on the scale of the issue: every account, ties kept in priority order.
        let n = 100_000
        func value(_ k: Int) -> Double {
            k % 11 == 0 ? Double.nan : Double((k * 7919) % 5000) / 1000 - 2.5
        }
        var distance = (0..<n).map(value)
        distance[123] = 0
        let rows = Array((0..<n).reversed())
        let sorted = DistanceOrder.sorted(rows, distance: distance)
        #expect(sorted.count == n && Set(sorted).count == n)
        #expect(sorted.first.map { distance[$0] } == 0)
        let key = sorted.map { distance[$0].isNaN ? Double.infinity : abs(distance[$0]) }
        #expect(zip(key, key.dropFirst()).allSatisfy { $0 <= $1 })
        // Ties in the order given (rows run from n - 1 down).
        #expect(
            zip(zip(sorted, sorted.dropFirst()), zip(key, key.dropFirst())).allSatisfy { ab, kk in
                kk.0 != kk.1 || ab.0 > ab.1
            })
    }

    // MARK: - Filter

    @Test(arguments: [
        ("dist<5%", RowFilter.DistanceBound(.below, 0.05)),
        ("dist<=0.05", RowFilter.DistanceBound(.atMost, 0.05)),
        ("dist>10%", RowFilter.DistanceBound(.above, 0.10)),
        ("DIST>=2.5%", RowFilter.DistanceBound(.atLeast, 0.025)),
        ("dist < 5%", RowFilter.DistanceBound(.below, 0.05)),
        ("dist <5%", RowFilter.DistanceBound(.below, 0.05)),
        ("dist< 0.05", RowFilter.DistanceBound(.below, 0.05)),
        ("dist<+.5", RowFilter.DistanceBound(.below, 0.5)),
        ("dist>0", RowFilter.DistanceBound(.above, 0)),
    ])
    func goodDistanceTerms(text: String, bound: RowFilter.DistanceBound) throws {
        let f = RowFilter.parse(text)
        #expect(f.error == nil)
        #expect(f.text.isEmpty)
        let b = try #require(f.bounds.first)
        #expect(f.bounds.count == 1 && b.relation == bound.relation)
        #expect(abs(b.fraction - bound.fraction) < 1e-12, "\(b)")
    }

    @Test(arguments: [
        ("dist<", "expected a number after '<'"),
        ("dist<abc", "'abc' is not a number"),
        ("dist<5%%", "'5%' is not a number"),
        ("dist<nan", "'nan' is not a number"),
        ("dist<inf%", "'inf' is not a number"),
        ("dist<1e-2", "'1e-2' is not a number"),
        ("dist<1.2.3", "'1.2.3' is not a number"),
        ("dist=5%", "'=' is not a comparison"),
        ("dist<>5%", "'<>' is not a comparison"),
        ("dist!5", "'!' is not a comparison"),
        ("dist<-5%", "the bound is on |distance|"),
        ("dist", "expected <, <=, > or >= after dist"),
    ])
    func badDistanceTerms(text: String, message: String) throws {
        let f = RowFilter.parse(text + " btc")
        let error = try #require(f.error, "no error for \(text)")
        #expect(error.contains(message), "\(error)")
        #expect(error.contains("e.g. dist<5%"))
        // The bad term is left out; the rest of the filter stands.
        #expect(f.bounds.isEmpty && f.text == "btc")
    }

    @Test func wordsThatStartWithDistAreText() {
        let f = RowFilter.parse("  Distant   Capital ")
        #expect(f.error == nil && f.bounds.isEmpty && f.text == "distant capital")
        let g = RowFilter.parse("dist>1% nimbus dist<=50%")
        #expect(g.error == nil && g.text == "nimbus")
        #expect(g.bounds == [RowFilter.DistanceBound(.above, 0.01), RowFilter.DistanceBound(.atMost, 0.5)])
    }

    @Test func distanceFilterUsesTheSizeOfTheMoveAndCombinesWithText() throws {
        let n = Self.base.accounts.count
        func value(_ k: Int) -> Double? {
            if k % 10 == 9 { return nil }
            if k % 10 == 8 { return Double.nan }
            let size = Double(k % 20) / 100
            return k % 2 == 0 ? size : -size
        }
        let values = (0..<n).map(value)
        let snap = Self.snapshot(values)
        let t = snap.accounts
        var s = Fixtures.state(rows: 24, cols: 120, snapshot: snap)
        filter(&s, "dist<5%")
        #expect(s.filterError == nil)
        let near = snap.priority.filter { t.analysedAt[$0] > -.infinity && abs(t.distance[$0]) < 0.05 }
        #expect(!near.isEmpty && s.tableRows == near)
        // Negative moves count by their size.
        #expect(near.contains { t.distance[$0] < 0 })
        #expect(render(s, rows: 40, cols: 200).text.contains("filter: dist<5%"))

        // No move in range = infinitely far: in `dist>`, never in `dist<`; never analysed: in neither.
        press(&s, .escape)
        filter(&s, "dist>10%")
        let far = snap.priority.filter {
            t.analysedAt[$0] > -.infinity && (t.distance[$0].isNaN || abs(t.distance[$0]) > 0.10)
        }
        #expect(s.tableRows == far)
        #expect(s.tableRows.contains { t.distance[$0].isNaN })
        #expect(!s.tableRows.contains { t.analysedAt[$0] == -.infinity })

        // With text: both hold.
        press(&s, .escape)
        filter(&s, "dist<=0.05 safe")
        let safeAndNear = snap.priority.filter {
            t.state[$0] == .safe && t.analysedAt[$0] > -.infinity && abs(t.distance[$0]) <= 0.05
        }
        #expect(!safeAndNear.isEmpty && safeAndNear.count < near.count)
        #expect(s.tableRows == safeAndNear)
    }

    @Test func aBadTermIsNamedInTheStatusLineAndNeverCrashes() throws {
        var s = Fixtures.state(rows: 24, cols: 120, snapshot: Self.snapshot([0.01, 0.2]))
        press(&s, .char("/"))
        for c in "dist<" { press(&s, .char(c)) }
        // While typing: the message replaces the hints, the table ignores the unfinished term.
        #expect(s.filterError?.contains("expected a number after '<'") == true)
        #expect(s.tableRows.count == Self.base.accounts.count)
        #expect(render(s).text.contains("filter term 'dist<': expected a number after '<'"))
        for c in "x" { press(&s, .char(c)) }
        press(&s, .enter)
        let screen = render(s).text
        #expect(screen.contains("filter term 'dist<x': 'x' is not a number"), "\(screen)")
        #expect(s.tableRows.count == Self.base.accounts.count)
        // Esc clears it, and the message goes with it.
        press(&s, .escape)
        #expect(s.filter.isEmpty && s.filterError == nil)
        #expect(!render(s).text.contains("filter term"))
        // Odd input anywhere in the term: never a crash.
        for text in [
            "dist<<<", "dist>=%", "dist<%", "dist<.", "dist<+", "dist<99999999999999999999999%", "dist\u{1b}<1",
        ] {
            var t = s
            filter(&t, text)
            _ = render(t)
        }
    }

    // MARK: - The DIST column

    @Test func theColumnShowsAgeAndAbsence() throws {
        let now = Self.base.time
        // Account k: 0 fresh, 1 analysed 3.5 s ago, 2 none in range, 3 none in range and old,
        // 4 never analysed, 5 just at the limit (3 s), 6 the far end of the search (+1000%), old.
        let values: [Double?] = [-0.0412, 0.075, .nan, .nan, nil, 0.5, 10.0]
        let at: [Double] = [now, now - 3.5, now, now - 10, 0, now - 3, now - 60]
        let snap = Self.snapshot(values, at: at + Array(repeating: now, count: Self.base.accounts.count - 7))
        var s = Fixtures.state(rows: 40, cols: 120, snapshot: snap)
        filter(&s, "ACC-10000")
        #expect(s.tableRows.count == 10)
        let b = render(s)
        // The DIST column: 8 cells, right-aligned under its title.
        let header = try #require((0..<b.rows).first { b.line($0).contains("DIST") })
        let title = try #require(
            (0..<(b.cols - 4)).first { c in (0..<4).map { b[header, c + $0].text }.joined() == "DIST" })
        let columns = (title + 4 - 8)..<(title + 4)
        func row(_ id: String) throws -> Int {
            try #require((0..<b.rows).first { b.line($0).contains(id + " ") }, "no row \(id)")
        }
        func cell(_ id: String) throws -> String {
            let r = try row(id)
            return columns.map { b[r, $0].text }.joined().trimmingCharacters(in: .whitespaces)
        }
        #expect(try cell("ACC-100000") == "-4.1%")
        #expect(try cell("ACC-100001") == "+7.5%~")
        #expect(try cell("ACC-100002") == "-")
        #expect(try cell("ACC-100003") == "-~")
        #expect(try cell("ACC-100004") == "…")
        #expect(try cell("ACC-100005") == "+50.0%")
        #expect(try cell("ACC-100006") == "+1000%~")
        // Old and never analysed cells are dimmed, fresh ones are not (the cursor's row is drawn selected).
        let selected = try #require(s.selectedAccount)
        for (k, dim) in [(1, true), (3, true), (4, true), (2, false), (5, false), (6, true)] where k != selected {
            let r = try row("ACC-10000\(k)")
            #expect((b[r, columns.upperBound - 1].role == .dim) == dim, "account \(k)")
        }
    }
}
