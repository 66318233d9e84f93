import ArgumentParser
import Foundation
import MarginCore
import MarginOutput
import MarginStore
import StoreCommands

/// A small root command over the store commands, for end-to-end tests and benchmarks.
@main
struct MargintopStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "margintop-store",
        abstract: "margintop's store commands: import, export, review, audit, migrate, grant-app-role, store-bench.",
        subcommands: [
            ImportCommand.self, ExportCommand.self, ReviewCommand.self, StoreBenchCommand.self,
            ReviewLoopCommand.self, PutAccountCommand.self, AuditCommand.self, MigrateCommand.self,
            GrantAppRoleCommand.self,
        ])
}

/// Test helper: opens and resolves reviews in a loop, printing each id once committed.
struct ReviewLoopCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "review-loop", abstract: "Open, acknowledge and resolve reviews in a loop (for crash tests).",
        shouldDisplay: false)

    @OptionGroup var storeOptions: StoreOptions
    @Option(name: .long, help: "Stop after this many reviews (0: never).")
    var count: Int = 0
    @Option(name: .long, help: "Operator name.")
    var operatorName: String = "loop"

    func run() async throws {
        try await StoreCLI.run {
            let store = try await openStore(storeOptions.store)
            let accounts = try await store.loadBook().accounts.map(\.id)
            guard !accounts.isEmpty else { return }
            var n = 0
            var k = Int.random(in: 0..<accounts.count)
            while count == 0 || n < count {
                k += 1
                let account = accounts[k % accounts.count]
                let r: Review
                do {
                    r = try await store.openReview(
                        account: account, operator: operatorName, note: "loop \(n)",
                        prices: nil)
                } catch StoreError.activeReviewExists {
                    continue  // left open by a killed run: take the next account
                }
                say("opened \(r.id)")
                _ = try await store.acknowledgeReview(
                    id: r.id, expectedVersion: r.version, operator: operatorName,
                    note: "ack \(n)")
                say("acked \(r.id)")
                _ = try await store.resolveReview(
                    id: r.id, outcome: .dismissed, operator: operatorName,
                    note: "done \(n)")
                say("resolved \(r.id)")
                n += 1
            }
            await store.close()
        }
    }
}

/// Test helper: another system changing an account (scales its first collateral line).
struct PutAccountCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "touch-account", abstract: "Change one account's first collateral amount (for tests).",
        shouldDisplay: false)

    @Argument var account: String
    @Option(name: .long) var amount: DecimalArgument
    @OptionGroup var storeOptions: StoreOptions

    func run() async throws {
        try await StoreCLI.run {
            let store = try await openStore(storeOptions.store)
            guard var a = try await store.loadAccount(id: account) else { throw StoreError.accountNotFound(account) }
            if a.subaccounts.isEmpty { a.subaccounts = [SubAccount(id: "main")] }
            if a.subaccounts[0].collateral.isEmpty {
                a.subaccounts[0].collateral = [CollateralLine(asset: "USDC", amount: amount.value)]
            } else {
                a.subaccounts[0].collateral[0].amount = amount.value
            }
            try await store.putAccount(a)
            await store.close()
        }
    }
}

/// Writes a line to stdout unbuffered: a crash right after must not lose it. A reader that went
/// away ends the command quietly; any other write error ends it with the error named.
func say(_ line: String) {
    do {
        try OutputSink.standardOutput.write(line + "\n")
    } catch {
        if !error.isClosedPipe { OutputSink.standardError.writeIgnoringErrors("margintop-store: \(error)\n") }
        exit(error.isClosedPipe ? 0 : 1)
    }
}
