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

    @Flag(
        help:
            "The merged view of the store's shards (watch --shard K/N): summed counts, the top accounts, shard health.")
    var cluster = false

    @Option(help: ArgumentHelp("With --cluster: shards of N (default: those that published last).", valueName: "N"))
    var shards: Int?

    @Option(help: "With --cluster: the top accounts by liquidation priority.") var top = 50

    @Option(name: .customLong("dead-after"), help: "With --cluster: seconds without a publish that make a shard dead.")
    var deadAfter = DecimalArgument(ClusterView.defaultDeadAfter)

    func validate() throws {
        guard (book == nil) != (store == nil) else { throw ValidationError("give either --book FILE or --store URL") }
        if cluster, let m = ClusterReport.usageError(store, book, shards, top, deadAfter.value, csv: format == .csv) {
            throw ValidationError(m)
        }
        if let asOf, Timestamp.parse(asOf) == nil {
            throw ValidationError("--as-of \(asOf): expected YYYY-MM-DDTHH:MM:SS[.frac] with Z or +HH:MM")
        }
    }

    func run() async throws {
        try await reportingErrors {
            if cluster, let store {
                let text: String
                do {
                    text = try await ClusterReport.render(
                        store: store, shards: shards, top: top, deadAfter: deadAfter.value, json: format == .json)
                } catch { throw CLIError.runtime("\(error)") }
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
