import Testing

@testable import MarginCore

@Suite struct RoundTripTests {
    @Test func exampleBookSurvivesDecodeEncodeDecode() throws {
        let book = try BookDecoder.decode(try fixtureBytes("example-book.json"))
        let again = try BookDecoder.decode(BookEncoder.encode(book))
        #expect(again == book)
        // Encoding is stable: a second round gives the same text.
        #expect(BookEncoder.encode(again) == BookEncoder.encode(book))
    }

    @Test func demoBookSurvivesRoundTrip() throws {
        let book = DemoBook.generate(accounts: 300, seed: 42)
        let text = BookEncoder.encode(book)
        let again = try BookDecoder.decode(text)
        #expect(again == book)
        #expect(BookEncoder.encode(again, pretty: false) == BookEncoder.encode(book, pretty: false))
    }

    @Test func awkwardStringsAndNumbersRoundTrip() throws {
        let book = try testBook(
            accounts: """
                [{"id": "ACC \\"quoted\\"; drop", "name": "\\u001b]0;pwned\\u0007 東京 \\n line",
                  "collateral": [{"asset": "USDC", "amount": 1e-7}, {"asset": "BTC", "amount": -0.1, "venue": "arbitrum"}],
                  "positions": [{"instrument": "BTC-PERP", "quantity": 0.30000000000000004, "entryPrice": 61234.56789}]}]
                """)
        let again = try BookDecoder.decode(BookEncoder.encode(book))
        #expect(again == book)
        #expect(again.accounts[0].name == "\u{1b}]0;pwned\u{07} 東京 \n line")
        #expect(again.accounts[0].subaccounts[0].positions[0].quantity == 0.30000000000000004)
    }

    @Test func missingNameShowsAsTheId() throws {
        let book = try testBook(accounts: #"[{"id": "A1"}]"#)
        #expect(book.accounts[0].displayName == "A1")
        #expect(book.accounts[0].subaccounts.map(\.id) == ["main"])
    }
}
