import Testing

@testable import MarginCore

/// The compact encoder writes the accounts straight, without a tree per account: its bytes
/// are the tree's, on demo books (sub-accounts, isolated positions, venues, every model) and
/// on names that need escaping.
@Suite struct CompactEncoderTests {
    static func tree(_ book: Book) -> String { JSONWriter(pretty: false).write(BookEncoder.json(book)) + "\n" }

    @Test(arguments: [UInt64(1), 2, 3])
    func sameBytesAsTheTree(seed: UInt64) throws {
        var book = DemoBook.generate(accounts: 300, seed: seed)
        #expect(try BookDecoder.decode(BookEncoder.encode(book, pretty: false)) == book)
        book.accounts[0].name = "quote \" back \\ tab \t nul \u{0} del \u{7F} c1 \u{85} é 🙂"
        book.accounts[1].name = nil
        book.accounts[2].model = .es
        book.accounts[3].subaccounts = []
        let fast = BookEncoder.encode(book, pretty: false)
        #expect(fast == Self.tree(book))
    }

    @Test func emptyBook() {
        var book = DemoBook.generate(accounts: 1, seed: 1)
        book.accounts = []
        #expect(BookEncoder.encode(book, pretty: false) == Self.tree(book))
    }
}
