import ArgumentParser
import Foundation
import MarginCore
import MarginStore

/// `review list|open|ack|resolve`: operators' reviews of accounts at risk.
public struct ReviewCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "review",
        abstract: "Open, acknowledge, resolve and list reviews of accounts.",
        subcommands: [ReviewListCommand.self, ReviewOpenCommand.self, ReviewAckCommand.self,
                      ReviewResolveCommand.self])

    public init() {}
}

/// Runs `body` with an open store and closes it on every path.
func withStore<T>(_ options: StoreOptions, _ body: (any AccountStore) async throws -> T) async throws -> T {
    let store = try await options.open()
    do {
        let r = try await body(store)
        await store.close()
        return r
    } catch {
        await store.close()
        throw error
    }
}

enum ReviewFormat: String, ExpressibleByArgument, CaseIterable { case table, json }

public struct ReviewListCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "list", abstract: "List reviews, newest first.")

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .long, help: "Only reviews with this status (open|acknowledged|liquidated|dismissed).")
    var status: ReviewStatus?
    @Option(name: .long, help: "table or json.")
    var format: ReviewFormat = .table

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let reviews = try await withStore(storeOptions) { try await $0.reviews(status: status) }
            switch format {
            case .json: try StoreCLI.write(ReviewOutput.json(reviews), to: nil)
            case .table: try StoreCLI.write(ReviewOutput.table(reviews), to: nil)
            }
        }
    }
}

public struct ReviewOpenCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "open", abstract: "Open a review of an account, recording its metrics now.")

    @Argument(help: "The account id.")
    var account: String
    @Option(name: .long, help: "Why the review is opened.")
    var note: String
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var operatorOption: OperatorOption

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let r = try await withStore(storeOptions) {
                try await $0.openReview(account: account, operator: operatorOption.resolved, note: note, prices: nil)
            }
            try StoreCLI.write(ReviewOutput.line(r), to: nil)
        }
    }
}

public struct ReviewAckCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(commandName: "ack", abstract: "Acknowledge an open review.")

    @Argument(help: "The review id.")
    var reviewID: Int64
    @Option(name: .long, help: "A note.")
    var note: String?
    @Option(name: .customLong("expect-version"), help: "Refuse (conflict, exit 1) unless the review is still at this version (as `review list` showed it).")
    var expectVersion: Int?
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var operatorOption: OperatorOption

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let r = try await withStore(storeOptions) {
                try await $0.acknowledgeReview(id: reviewID, expectedVersion: expectVersion, operator: operatorOption.resolved, note: note)
            }
            try StoreCLI.write(ReviewOutput.line(r), to: nil)
        }
    }
}

public struct ReviewResolveCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "resolve", abstract: "Resolve a review as liquidated or dismissed.")

    @Argument(help: "The review id.")
    var reviewID: Int64
    @Option(name: .long, help: "liquidated or dismissed.")
    var outcome: ReviewOutcome
    @Option(name: .long, help: "A note.")
    var note: String?
    @Option(name: .customLong("expect-version"), help: "Refuse (conflict, exit 1) unless the review is still at this version (as `review list` showed it).")
    var expectVersion: Int?
    @OptionGroup var storeOptions: StoreOptions
    @OptionGroup var operatorOption: OperatorOption

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let r = try await withStore(storeOptions) {
                try await $0.resolveReview(id: reviewID, outcome: outcome, expectedVersion: expectVersion, operator: operatorOption.resolved,
                                           note: note)
            }
            try StoreCLI.write(ReviewOutput.line(r), to: nil)
        }
    }
}

/// Renders reviews for people (control characters made harmless) and as JSON.
public enum ReviewOutput {
    static func time(_ d: Date) -> String {
        Timestamp.format(d.timeIntervalSince1970)
    }

    public static func line(_ r: Review) -> String {
        "review \(r.id) \(r.status.rawValue) (version \(r.version)) account \(TextCell.sanitize(r.account))\n"
    }

    public static func table(_ reviews: [Review]) -> String {
        var lines: [[String]] = [["ID", "ACCOUNT", "STATUS", "VER", "OPENED BY", "UPDATED", "STATE", "MARGIN%", "NOTE"]]
        for r in reviews {
            let last = r.transitions.last
            lines.append([
                String(r.id), TextCell.truncate(TextCell.sanitize(r.account), width: 20), r.status.rawValue,
                String(r.version), TextCell.truncate(TextCell.sanitize(r.openedBy), width: 16), time(r.updatedAt),
                last?.metrics?.state ?? "-",
                last?.metrics?.marginRatio.map { Money.percent($0) } ?? "-",
                TextCell.truncate(TextCell.sanitize(r.notes.last ?? ""), width: 40),
            ])
        }
        var widths = [Int](repeating: 0, count: lines[0].count)
        for l in lines { for (i, c) in l.enumerated() { widths[i] = max(widths[i], TextCell.width(c)) } }
        var out = ""
        for l in lines {
            var line = l.enumerated().map { TextCell.padRight($0.element, widths[$0.offset]) }.joined(separator: "  ")
            while line.hasSuffix(" ") { line.removeLast() }
            out += line + "\n"
        }
        return out
    }

    public static func json(_ reviews: [Review]) -> String {
        func num(_ x: Double?) -> JSONValue { x.map { .number($0) } ?? .null }
        let items: [JSONValue] = reviews.map { r in
            .object([
                ("id", .integer(Int(r.id))),
                ("account", .string(r.account)),
                ("status", .string(r.status.rawValue)),
                ("version", .integer(r.version)),
                ("openedBy", .string(r.openedBy)),
                ("openedAt", .string(time(r.openedAt))),
                ("updatedAt", .string(time(r.updatedAt))),
                ("transitions", .array(r.transitions.map { t in
                    .object([
                        ("status", .string(t.status.rawValue)),
                        ("operator", .string(t.operator)),
                        ("at", .string(time(t.at))),
                        ("note", t.note.map { .string($0) } ?? .null),
                        ("metrics", t.metrics.map { m in .object([
                            ("equity", .number(m.equity)),
                            ("adjustedEquity", .number(m.adjustedEquity)),
                            ("initialMargin", .number(m.initialMargin)),
                            ("maintenanceMargin", .number(m.maintenanceMargin)),
                            ("marginRatio", num(m.marginRatio)),
                            ("state", .string(m.state)),
                            ("distanceToLiquidation", num(m.distanceToLiquidation)),
                        ]) } ?? .null),
                    ])
                })),
            ])
        }
        return JSONWriter(pretty: true).write(.object([("format", .string("margintop.reviews/1")),
                                                       ("reviews", .array(items))])) + "\n"
    }
}
