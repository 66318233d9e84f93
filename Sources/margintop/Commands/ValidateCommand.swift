import ArgumentParser
import MarginCore

struct ValidateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "validate",
        abstract: "Check a book file against book-format.md; exit 65 naming the JSON path of the first problem."
    )

    @Argument(help: "A margintop.book/1 file ('-' for stdin).")
    var file: String

    func run() async throws {
        try await reportingErrors {
            let b = try loadBook(file)
            let positions = b.accounts.reduce(0) { $0 + $1.subaccounts.reduce(0) { $0 + $1.positions.count } }
            try writeOutput(
                "\(file): valid: \(b.assets.count) assets, \(b.instruments.count) instruments, "
                    + "\(b.accounts.count) accounts, \(positions) positions\n", to: nil)
        }
    }
}
