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
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var operatorOption: OperatorOption

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let book = try BookDecoder.decode(try StoreCLI.readFile(file), file: file)
            let (summary, url) = try await withStore(storeOptions) { store in
                // Decoded by the strict codec just above: no second check.
                (try await store.importBook(book, operator: operatorOption.resolved, checked: true), store.url)
            }
            try StoreCLI.write("imported \(summary.accounts) accounts, \(summary.assets) assets, "
                + "\(summary.instruments) instruments into \(url)\n", to: nil)
        }
    }
}

/// `export [--store URL] [--out FILE]`: the stored book as a margintop.book/1 document.
public struct ExportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the store's book as a margintop.book/1 document.")

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .long, help: "Output file (default: stdout).")
    var out: String?

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let book = try await withStore(storeOptions) { try await $0.loadBook() }
            try StoreCLI.write(BookEncoder.encode(book), to: out)
        }
    }
}
