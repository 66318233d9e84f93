import ArgumentParser
import MarginCore
import MarginStore

/// `audit verify [--store URL] [--format table|json]`: recomputes the audit chain and replays
/// every review from its transitions, read-only. Exit 0 when intact, 65 naming the first broken
/// link or forged review.
public struct AuditVerifyCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Recompute the audit chain and every review's status from its transitions (read-only).",
        discussion: """
            Exit status 0 when the trail is intact (one line: rows and reviews checked, the head hash); \
            65 when a row's link or hash is wrong or a review's stored row disagrees with its transitions \
            (the first problem is named on stderr).
            """)

    /// How `audit verify` prints.
    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .long, help: "table or json.")
    var format: Format = .table

    public init() {}

    public func run() async throws {
        try await StoreCLI.run {
            let report = try await storeOptions.withStore(.readOnly) { try await $0.verifyAudit() }
            switch format {
            case .json: try StoreCLI.write(AuditOutput.json(report), to: nil)
            case .table: if report.intact { try StoreCLI.write(AuditOutput.summary(report), to: nil) }
            }
            if let first = report.problems.first {
                let more = report.problems.count > 1 ? " (and \(report.problems.count - 1) more)" : ""
                throw StoreCLIFailure(message: "audit trail broken: \(first)\(more)", code: 65)
            }
        }
    }
}

/// `audit verify`'s output: a line for people, `margintop.audit-verify/1` JSON for programs.
public enum AuditOutput {
    public static func summary(_ r: AuditReport) -> String {
        "audit trail intact: \(count(r.rows, "audit row")) and \(count(r.reviews, "review")) checked, head \(r.head)\n"
    }

    static func count(_ n: Int, _ noun: String) -> String {
        "\(n) \(noun)\(n == 1 ? "" : "s")"
    }

    public static func json(_ r: AuditReport) -> String {
        JSONWriter(pretty: true).write(
            .object([
                ("format", .string("margintop.audit-verify/1")),
                ("intact", .bool(r.intact)),
                ("rows", .integer(r.rows)),
                ("reviews", .integer(r.reviews)),
                ("head", .string(r.head)),
                ("problems", .array(r.problems.map(problem))),
            ])) + "\n"
    }

    static func problem(_ p: AuditProblem) -> JSONValue {
        var members: [(String, JSONValue)] = [("kind", .string(p.kind)), ("message", .string(p.description))]
        switch p {
        case .brokenLink(let seq, let expected, let found), .badHash(let seq, let expected, let found):
            members += [("row", .integer(Int(seq))), ("expected", .string(expected)), ("found", .string(found))]
        case .forgedReview(let id, let differences):
            members += [
                ("review", .integer(Int(id))),
                (
                    "differences",
                    .array(
                        differences.map {
                            .object([
                                ("field", .string($0.field)), ("stored", .string($0.stored)),
                                ("derived", .string($0.derived)),
                            ])
                        })
                ),
            ]
        case .badTransitions(let review, _):
            members.append(("review", .integer(Int(review))))
        case .unauditedTransition(let review, let version, _):
            members += [("review", .integer(Int(review))), ("version", .integer(version))]
        case .unmatchedAudit(let seq, _):
            members.append(("row", .integer(Int(seq))))
        }
        return .object(members)
    }
}
