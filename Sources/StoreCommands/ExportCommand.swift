import ArgumentParser
import MarginCore
import MarginStore

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
            let book = try await storeOptions.withStore(.readOnly) { try await $0.loadBook() }
            try StoreCLI.write(BookEncoder.encode(book), to: out)
        }
    }
}
