import ArgumentParser
import MarginCore
import MarginStore

/// `import FILE [--store URL]`: replaces the stored book, all or nothing.
public struct ImportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Replace the store's book with a book file, all or nothing (audited).")

    @Argument(help: "A margintop.book/1 file ('-' for stdin).")
    var file: String
    @OptionGroup var writeOptions: StoreWriteOptions

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let book =
                try (file == "-" ? nil : BookDecoder.decode(fileAtPath: file))
                ?? BookDecoder.decode(try StoreCLI.readFile(file), file: file)
            // The one command that creates a named store.
            let (summary, url) = try await writeOptions.withStore(.create) { store in
                // Decoded by the strict codec just above: no second check.
                (try await store.importBook(book, operator: writeOptions.operatorName, checked: true), store.url)
            }
            try StoreCLI.write(
                "imported \(summary.accounts) accounts, \(summary.assets) assets, "
                    + "\(summary.instruments) instruments into \(url)\n", to: nil)
        }
    }
}
