import Foundation
import Testing

/// Issue 10 item 8 through the binary: an overflowing book is exit 65 with its path, and a
/// live result that is not finite is the `error` state, with no `nan`/`inf` in any output.
@Suite struct OverflowCLITests {
    static let hugeBook = #"""
        {"format": "margintop.book/1", "asOf": "2026-11-24T12:00:00Z",
         "assets": {"USDC": {"stable": true}, "BTC": {"price": 60000, "vol": 0.5}},
         "instruments": {"BTC-PERP": {"kind": "perpetual", "underlying": "BTC",
                         "brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]}},
         "accounts": [{"id": "A", "collateral": [{"asset": "USDC", "amount": 1000}],
                       "positions": [{"instrument": "BTC-PERP", "quantity": 1.7e308, "entryPrice": 60000},
                                     {"instrument": "BTC-PERP", "quantity": 1.7e308, "entryPrice": 60000}]}]}
        """#

    @Test func anOverflowingBookIsInvalidDataForEveryCommandThatReadsIt() async throws {
        let cli = CLITests()
        let book = try cli.tempFile(Self.hugeBook)
        for args in [["validate", book], ["snapshot", "--book", book, "--format", "json"]] {
            let r = try await cli.run(args)
            #expect(r.status == 65, "\(args): \(r.stderr)")
            #expect(r.stdout.isEmpty)
            #expect(r.stderr.contains("accounts[0].positions[0]") && r.stderr.contains("overflows"), "\(r.stderr)")
        }
        let store = FileManager.default.temporaryDirectory.appendingPathComponent("ovf-\(UUID().uuidString).sqlite")
        defer { try? FileManager.default.removeItem(at: store) }
        let r = try await cli.run(["import", book, "--store", "sqlite:\(store.path)"])
        #expect(r.status == 65, "\(r.stderr)")
    }

    /// A book in range (1e300 contracts of an asset at 1.0) meets a fed price of 1e10: the equity
    /// overflows live. The account must read `error`, never `safe`, and the output stays JSON.
    @Test func aLiveOverflowIsTheErrorStateAndTheOutputHasNoNaNOrInf() async throws {
        let cli = CLITests()
        let book = try cli.tempFile(
            #"""
            {"format": "margintop.book/1", "asOf": "2026-11-24T12:00:00Z",
             "assets": {"USDC": {"stable": true}, "XYZ": {"price": 1, "vol": 0.5}},
             "instruments": {"XYZ-PERP": {"kind": "perpetual", "underlying": "XYZ",
                             "brackets": [{"upTo": null, "imf": 0.02, "mmf": 0.01}]}},
             "accounts": [{"id": "WHALE", "collateral": [{"asset": "USDC", "amount": 1e299}],
                           "positions": [{"instrument": "XYZ-PERP", "quantity": 1e300, "entryPrice": 1}]},
                          {"id": "PLAIN", "collateral": [{"asset": "USDC", "amount": 1000}]}]}
            """#)
        let ticks = try cli.tempFile(
            [
                #"{"ts":"2026-11-24T12:00:00.000Z","symbol":"XYZ","kind":"index","price":1.7e308}"#,
                #"{"ts":"2026-11-24T12:00:01.000Z","symbol":"XYZ","kind":"index","price":1e10}"#,
            ].joined(separator: "\n") + "\n", name: "ticks.ndjson")
        let r = try await cli.run(["watch", "--headless", "--book", book, "--feed", "replay:\(ticks),speed=max"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stdout.contains("nan") && !r.stdout.contains("inf") && !r.stdout.contains("Infinity"), "\(r.stdout)")
        let events = r.stdout.split(separator: "\n").map {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
        #expect(events.allSatisfy { $0 != nil }, "every line is JSON: \(r.stdout)")
        let states = events.compactMap { $0 }.filter { $0["type"] as? String == "state" }
        #expect(states.map { "\($0["account"]!):\($0["from"]!)>\($0["to"]!)" } == ["WHALE:safe>error"], "\(r.stdout)")
        let last = try #require(events.compactMap { $0 }.last { $0["type"] as? String == "summary" })
        #expect(last["error"] as? Int == 1 && last["safe"] as? Int == 1)
        #expect((last["rejectedByReason"] as? [String: Int])?["bad_price"] == 1, "the 1.7e308 tick: \(last)")
        #expect(last["shortfall"] as? Double == 0)
    }
}
