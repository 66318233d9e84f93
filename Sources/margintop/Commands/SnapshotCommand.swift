import ArgumentParser
import MarginCore
import MarginStore
import StoreCommands

struct SnapshotCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Compute every account once, in liquidation-priority order.",
        discussion: "json output is the margintop.snapshot/1 document of book-format.md."
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json, csv }

    @Option(name: .long, help: "A margintop.book/1 file ('-' for stdin).")
    var book: String?

    @Option(
        name: .long,
        help: ArgumentHelp(
            "An account store instead of a book: sqlite:PATH or postgres://USER@HOST:PORT/DB.", valueName: "URL"))
    var store: String?

    @Option(name: .long, help: ArgumentHelp("Output format.", valueName: "table|json|csv"))
    var format: Format = .table

    @Option(
        name: .customLong("as-of"),
        help: ArgumentHelp("Valuation time (ISO 8601 with zone); default the book's asOf.", valueName: "ISO8601"))
    var asOf: String?

    @Option(name: .long, help: ArgumentHelp("Override every account's model.", valueName: "standard|portfolio|es"))
    var model: MarginModel?

    @OptionGroup var clusterOptions: ClusterOptions

    func validate() throws {
        guard (book == nil) != (store == nil) else { throw ValidationError("give either --book FILE or --store URL") }
        try clusterOptions.check(store: store, book: book, csv: format == .csv)
        if let asOf, Timestamp.parse(asOf) == nil {
            throw ValidationError("--as-of \(asOf): expected YYYY-MM-DDTHH:MM:SS[.frac] with Z or +HH:MM")
        }
    }

    func run() async throws {
        try await reportingErrors {
            if let text = try await clusterOptions.render(store: store, json: format == .json) {
                return try writeOutput(text, to: nil)
            }
            let b: Book
            if let store {
                do {
                    b = try await openStore(store, access: .readOnly).loadBook()
                } catch {
                    throw CLIError.runtime("\(error)")
                }
            } else {
                b = try loadBook(book ?? "-")
            }
            let snap = try Snapshot.compute(book: b, asOf: asOf.flatMap(Timestamp.parse), model: model)
            switch format {
            case .json: try writeOutput(JSONWriter().write(snap.json()) + "\n", to: nil)
            case .csv: try writeOutput(snap.csv(), to: nil)
            case .table: try writeOutput(snap.table(), to: nil)
            }
        }
    }
}
