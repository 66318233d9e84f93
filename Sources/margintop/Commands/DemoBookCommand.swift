import ArgumentParser
import MarginCore

struct DemoBookCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-book",
        abstract: "Write a generated demo book (margintop.book/1), the same for a given seed.",
        discussion: """
            Stables and volatile assets, perpetuals with brackets, futures, a BTC and ETH options chain, \
            venues with haircut add-ons, 250 days of correlated fat-tailed history, and accounts spread \
            over every state (standard, portfolio and es models; sub-accounts, borrows, isolated positions).
            """
    )

    @Option(name: .long, help: "Number of accounts.")
    var accounts: Int = 200

    @Option(name: .long, help: "Random seed.")
    var seed: UInt64 = 1

    @Option(name: .long, help: "Output file (default stdout).")
    var out: String?

    @Flag(help: "Indent the JSON (two spaces); by default it is compact, about half the size.") var pretty = false

    func validate() throws {
        guard accounts >= 0 else { throw ValidationError("--accounts must be >= 0") }
    }

    func run() async throws {
        try await reportingErrors {
            let book = DemoBook.generate(accounts: accounts, seed: seed)
            try writeOutput(BookEncoder.encode(book, pretty: pretty), to: out)
        }
    }
}
