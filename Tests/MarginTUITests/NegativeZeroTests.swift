import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12, item 9: a value that rounds to zero at the shown decimals prints without a sign.
@Suite struct NegativeZeroTests {
    @Test func moneyFormatsPrintZeroUnsigned() {
        #expect(Money.format(-0.001) == "0.00")
        #expect(Money.format(-0.4, decimals: 0) == "0")
        #expect(Money.format(-0.006) == "-0.01")
        #expect(Money.format(-1_234.5, decimals: 0) == "-1,234")
        #expect(Money.fixed(-0.00001, decimals: 4) == "0.0000")
        #expect(Money.fixed(-0.0001, decimals: 4) == "-0.0001")
        #expect(Money.fixed(-0.0, decimals: 2) == "0.00")
        #expect(Money.percent(-0.000_01) == "0.00%")
        #expect(Money.percent(-0.000_01, decimals: 1) == "0.0%")
        #expect(Money.percent(-0.5) == "-50.00%")
        #expect(Money.signedPercent(-0.000_01) == "0.00%")
        #expect(Money.signedPercent(0) == "0.00%")
        #expect(Money.signedPercent(0.000_01) == "0.00%")
        #expect(Money.signedPercent(0.0123) == "+1.23%")
        #expect(Money.signedPercent(-0.0123) == "-1.23%")
        #expect(Money.signedPercent(-0.2, decimals: 0) == "-20%")
        #expect(Money.signedPercent(.nan) == "-")
    }

    @Test func dashboardFormatsPrintZeroUnsigned() {
        #expect(Fmt.move(-0.000_4) == "0.0%")
        #expect(Fmt.move(0) == "0.0%")
        #expect(Fmt.move(-0.000_6) == "-0.1%")
        #expect(Fmt.move(0.05) == "+5.0%")
        #expect(Fmt.ratio(-0.000_1) == "0.0%")
        #expect(Fmt.fit(-0.000_001, decimals: 4, width: 14) == "0.0000")
        #expect(Fmt.fit(-0.5, decimals: 4, width: 14) == "-0.5000")
        #expect(Fmt.compact(-0.001) == "0.00")
        #expect(Fmt.compact(-27_000) == "-27.0K")
    }

    /// The asset strip of the overview (`BTC 59,999.33 -0.00%` was seen) and the DIST column (`-0.0%`).
    @Test func overviewShowsNoNegativeZero() {
        var snap = Fixtures.snapshot()
        for i in snap.assets.indices where !snap.assets[i].stable {
            snap.assets[i].reference = snap.assets[i].price * (1 + 1e-7)
        }
        snap.accounts.distance[snap.priority[0]] = -0.000_2
        let s = Fixtures.state(rows: 40, cols: 120, snapshot: snap)
        let text = render(s).text
        #expect(!text.contains("-0.00%"))
        #expect(!text.contains("-0.0%"))
        #expect(text.contains(" 0.00%"))
        #expect(text.contains(" 0.0%"))
    }
}
