import Testing

@testable import MarginCore

/// The worked example at the end of book-format.md must come out exactly (1e-9 relative).
@Suite struct ExampleBookTests {
    /// Compares two JSON trees: same keys in the same order, numbers within tolerance.
    func assertSame(_ a: JSONValue, _ b: JSONValue, path: String = "") {
        switch (a, b) {
        case (.object(let x), .object(let y)):
            #expect(x.map(\.0) == y.map(\.0), "keys at \(path)")
            for ((k, v), (_, w)) in zip(x, y) { assertSame(v, w, path: path + "." + k) }
        case (.array(let x), .array(let y)):
            #expect(x.count == y.count, "length at \(path)")
            for (i, (v, w)) in zip(x, y).enumerated() { assertSame(v, w, path: path + "[\(i)]") }
        case (.number(let x), .number(let y)):
            #expect(close(x, y), "\(path): \(x) vs \(y)")
        case (.integer(let x), .number(let y)):
            #expect(Double(x) == y, "\(path): \(x) vs \(y)")
        default:
            #expect(a == b, "\(path)")
        }
    }

    @Test func snapshotMatchesTheSpecExample() throws {
        let book = try BookDecoder.decode(try fixtureBytes("example-book.json"), file: "example-book.json")
        let expected = try JSONParser.parse(try fixtureBytes("example-snapshot.json"))
        let snap = try Snapshot.compute(book: book)
        assertSame(snap.json(), expected)
        // And through text, as the CLI prints it.
        assertSame(try JSONParser.parse(JSONWriter().write(snap.json())), expected)
    }

    @Test func handArithmeticOfTheExample() throws {
        let book = try BookDecoder.decode(try fixtureBytes("example-book.json"))
        let c = Computed(book)
        let m = c.metrics()
        // WC = 250000 + 2.5*60000*(1 - 0.05 - 0.02) + 50000; uPnL = -4*(60010-61000) + 1.5*(60010-59000).
        let call = Black76.price(
            isCall: true, f: 60000, k: 60000, t: (32 * 86400 + 20 * 3600) / (365 * 86400.0), sigma: 0.6)
        let mtm = 3960 + 1515 - 10 * call
        expectClose(m.adjustedEquity, 250000 + 2.5 * 60000 * 0.93 + 50000 + mtm, "AE")
        expectClose(m.equity, 450000 + mtm, "E")
        // Net BTC-PERP -2.5: N = 150025 in bracket 1; ten short ATM calls: IM 10*0.15*60000, MM 10*0.075*60000.
        expectClose(m.initialMargin, 150025 * 0.02 + 90000, "IM")
        expectClose(m.maintenanceMargin, 150025 * 0.01 + 45000, "MM")
    }
}
