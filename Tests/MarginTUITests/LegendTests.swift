import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12 item 12: the help defines every column and header figure, and the header names the
/// book's quote currency once.
@Suite struct LegendTests {
    @Test func helpDefinesEveryColumnAndFigure() throws {
        for readOnly in [false, true] {
            let sections = KeyMap.help(readOnly: readOnly)
            let legend = try #require(sections.first { $0.title == "Columns and figures" })
            let terms = legend.keys.map(\.0)
            for term in ["DIST", "AGE", "oldest", "p99", "+0.02%", "▁▃▅▇", "SHARE", "RATIO", "USD", "ticks/s"] {
                #expect(terms.contains(term), "no legend for \(term)")
            }
            let text = legend.keys.map { "\($0.0) \($0.1)" }.joined(separator: "\n")
            #expect(text.contains("since the live book started"), "the base of the change")
            #expect(text.contains("last 7 s, one sample a second"), "the sparkline's window")
            #expect(text.contains("99th percentile"))
        }
    }

    @Test func headerNamesTheQuoteCurrencyOnce() {
        var snap = Fixtures.snapshot()
        snap.book.quote = "EUR"
        for cols in [120, 160, 200] {
            let text = render(Fixtures.state(rows: 40, cols: cols, snapshot: snap)).text
            let header = String(text.split(separator: "\n").first ?? "")
            #expect(header.contains("│ EUR │"), "\(cols): \(header)")
            #expect(text.components(separatedBy: "EUR").count == 2, "once on the screen")
        }
    }
}
