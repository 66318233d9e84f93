import MarginCore
import MarginLive
import MarginTUI
import MarginTUITestSupport
import Testing

/// Issue 12, item 19: for an account already liquidatable the drill-down says that its prices are
/// recovery prices and that its distance is "already liquidatable" (it read `+0.0%` under
/// LIQUIDATION PRICES).
@Suite struct DrillWordingTests {
    static let snap = Fixtures.snapshot()

    static func drill(_ a: Int) -> String {
        var s = Fixtures.state(rows: 40, cols: 160, snapshot: snap)
        let pos = s.tableRows.firstIndex(of: a) ?? 0
        for _ in 0..<pos { _ = drive(&s, .key(.char("j"))) }
        _ = drive(&s, .key(.enter))
        return render(s).text
    }

    @Test func alreadyLiquidatableReadsRecoveryPrices() throws {
        let t = Self.snap.accounts
        for state in [AccountState.liquidatable, .bankrupt] {
            let a = try #require((0..<t.count).first { t.state[$0] == state }, "a \(state.name) account")
            let text = Self.drill(a)
            #expect(text.contains("distance to liquidation already liquidatable"), "\(state.name):\n\(text)")
            #expect(text.contains("RECOVERY PRICES (already liquidatable)"))
            #expect(!text.contains("LIQUIDATION PRICES"))
            #expect(!text.contains("distance to liquidation 0.0%"))
        }
    }

    @Test func otherAccountsKeepLiquidationPricesAndASignedDistance() throws {
        let t = Self.snap.accounts
        for state in [AccountState.safe, .warning, .danger] {
            guard let a = (0..<t.count).first(where: { t.state[$0] == state }) else { continue }
            let text = Self.drill(a)
            #expect(text.contains("LIQUIDATION PRICES"), "\(state.name):\n\(text)")
            #expect(!text.contains("RECOVERY PRICES") && !text.contains("already liquidatable"))
            #expect(text.range(of: #"distance to liquidation [+-]\d"#, options: .regularExpression) != nil)
        }
    }
}
