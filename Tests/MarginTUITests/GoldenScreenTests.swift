import Foundation
import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Golden screens: text plus one role mark per cell. Re-record on purpose with
/// `MARGINTOP_RECORD_GOLDENS=1 swift test --filter GoldenScreenTests`.
enum Golden {
    static let dir = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Goldens")
    static var recording: Bool { ProcessInfo.processInfo.environment["MARGINTOP_RECORD_GOLDENS"] == "1" }

    static func check(_ buffer: CellBuffer, _ name: String, sourceLocation: SourceLocation = #_sourceLocation) throws {
        let file = dir.appendingPathComponent("\(name)-\(buffer.cols)x\(buffer.rows).txt")
        let text = buffer.golden
        if recording {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
            try text.write(to: file, atomically: true, encoding: .utf8)
            return
        }
        guard let expected = try? String(contentsOf: file, encoding: .utf8) else {
            Issue.record(
                "missing golden \(file.lastPathComponent); record with MARGINTOP_RECORD_GOLDENS=1",
                sourceLocation: sourceLocation)
            return
        }
        if expected != text {
            let e = expected.split(separator: "\n", omittingEmptySubsequences: false)
            let a = text.split(separator: "\n", omittingEmptySubsequences: false)
            let first = zip(e, a).enumerated().first { $0.element.0 != $0.element.1 }
            let location =
                first.map { "line \($0.offset + 1):\n expected: \($0.element.0)\n actual:   \($0.element.1)" }
                ?? "length differs"
            Issue.record("golden \(file.lastPathComponent) differs at \(location)", sourceLocation: sourceLocation)
        }
    }
}

@Suite struct GoldenScreenTests {
    static let sizes: [(Int, Int)] = [(120, 40), (80, 24), (200, 60), (60, 20), (160, 48)]
    static let snap = Fixtures.snapshot()

    func states(cols: Int, rows: Int) -> [(String, AppState)] {
        var out: [(String, AppState)] = []
        var s = Fixtures.state(rows: rows, cols: cols, snapshot: Self.snap)
        _ = drive(&s, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        out.append(("overview", s))

        var f = s
        for k: Key in [.char("/"), .char("d"), .char("a"), .char("n")] { _ = drive(&f, .key(k)) }
        out.append(("overview-filter", f))

        var sorted = s
        _ = drive(&sorted, .key(.char("e")))
        _ = drive(&sorted, .key(.char("j")))
        _ = drive(&sorted, .key(.char(" ")))
        out.append(("overview-sorted-marked", sorted))

        // Sorted by distance, some distances old (`~`, dimmed), one account never analysed (`…`).
        var aged = Self.snap
        for a in [3, 8, 16] { aged.accounts.analysedAt[a] = aged.time - 4 }
        aged.accounts.distance[20] = .nan
        aged.accounts.analysedAt[20] = -.infinity
        var dist = Fixtures.state(rows: rows, cols: cols, snapshot: aged)
        _ = drive(&dist, .key(.char("d")))
        out.append(("overview-distance", dist))

        var d = s
        _ = drive(&d, .key(.enter))
        _ = drive(&d, .marginRatioHistory(accountId: d.drill?.accountId ?? "", [0.5, 0.6, 0.7, 0.8, 0.95, 1.1, 1.05]))
        out.append(("drill", d))
        var w = d
        _ = drive(&w, .key(.char("-")))
        _ = drive(&w, .key(.char("-")))
        out.append(("drill-whatif", w))
        var ds = d
        _ = drive(&ds, .key(.char("G")))
        out.append(("drill-bottom", ds))

        var dl = s
        _ = drive(&dl, .key(.char("L")))
        for c in "call desk" { _ = drive(&dl, .key(.char(c))) }
        out.append(("review-dialog", dl))
        var dlf = dl
        _ = drive(&dlf, .key(.enter))
        _ = drive(&dlf, .reviewFailed("store unreachable: connection refused"))
        out.append(("review-dialog-failed", dlf))
        var dls = dl
        _ = drive(&dls, .key(.enter))
        _ = drive(&dls, .reviewsStored(ids: [4]))
        out.append(("review-dialog-stored", dls))

        var q = s
        _ = drive(&q, .key(.char("R")))
        _ = drive(&q, .reviewsLoaded(Fixtures.reviews(now: s.now)))
        out.append(("queue", q))
        var qp = q
        _ = drive(&qp, .key(.char("A")))
        for c in "looking" { _ = drive(&qp, .key(.char(c))) }
        out.append(("queue-prompt", qp))

        var sy = s
        _ = drive(&sy, .key(.char("S")))
        _ = drive(
            &sy,
            .systemCurve(
                SystemCurve.compute(
                    book: Self.snap.marginBook, prices: Self.snap.prices,
                    insuranceFund: Self.snap.insuranceFund), version: Self.snap.version, time: Self.snap.time))
        out.append(("system", sy))

        var h = s
        _ = drive(&h, .key(.char("?")))
        out.append(("help", h))

        var ro = Fixtures.state(rows: rows, cols: cols, readOnly: true, snapshot: Self.snap)
        _ = drive(&ro, .key(.char("L")))
        out.append(("overview-readonly", ro))
        // Screens added per area, each in its own file (GoldenStates+*.swift).
        out += GoldenStates.drill(base: s, cols: cols, rows: rows)
        out += GoldenStates.header(base: s, cols: cols, rows: rows)
        out += GoldenStates.terminal(base: s, cols: cols, rows: rows)
        return out
    }

    @Test(arguments: [0, 1, 2, 3, 4])
    func screens(sizeIndex: Int) throws {
        let (cols, rows) = Self.sizes[sizeIndex]
        for (name, st) in states(cols: cols, rows: rows) {
            let b = render(st)
            #expect(b.rows == rows && b.cols == cols)
            try Golden.check(b, name)
            if cols < 80 || rows < 24 { #expect(b.text.contains("Terminal too small")) }
        }
    }
}
