import ArgumentParser
import MarginCore
import MarginStore

/// `export [--store URL] [--out FILE] [--pretty]`: the stored book as a margintop.book/1 document,
/// compact unless `--pretty` (the same keys in the same order and the same numbers either way).
public struct ExportCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write the store's book as a margintop.book/1 document.")

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .long, help: "Output file (default: stdout).")
    var out: String?
    @Flag(help: "Indent the JSON (two spaces); by default it is compact, about half the size.")
    var pretty = false

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let book = try await storeOptions.withStore(.readOnly) { try await $0.loadBook() }
            try StoreCLI.write(BookEncoder.encode(book, pretty: pretty), to: out)
        }
    }
}
