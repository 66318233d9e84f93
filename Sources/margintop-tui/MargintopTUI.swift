import ArgumentParser
import Foundation
import MarginCore
import MarginDashboard
import MarginLive
import MarginTUI

@main
struct MargintopTUI: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "margintop-tui",
        abstract: "The margintop dashboard over a demo book and a simulated feed.",
        discussion: "Reviews are appended to a JSON-lines file (--review-file). Press ? in the dashboard for keys.")

    @Option(help: "Accounts in the demo book.") var accounts = 2_000
    @Option(help: "Seed of the demo book and the simulator.") var seed: UInt64 = 1
    @Option(help: "Theme: default, light, high-contrast, monochrome, or a path to a .toml file.") var theme = "default"
    @Option(name: .customLong("operator"), help: "Operator name recorded with reviews.") var operatorName: String?
    @Flag(help: "Hide every action (reviews): look, don't touch.") var readOnly = false
    @Option(help: "Simulated ticks per second (all assets together).") var rate = 50.0
    @Option(help: "JSON-lines file for reviews (default: a file in a new temp directory).") var reviewFile: String?
    @Flag(help: "Print frame and snapshot rates to stderr on exit.") var stats = false

    mutating func validate() throws {
        guard accounts > 0 else { throw ValidationError("--accounts must be at least 1") }
        guard rate >= 0, rate.isFinite else { throw ValidationError("--rate must be a non-negative number") }
    }

    func run() async throws {
        let themeValue: Theme
        do { themeValue = try Theme.load(theme) } catch {
            throw ValidationError("\(error)")
        }
        let env = ProcessInfo.processInfo.environment
        let op = operatorName ?? env["USER"] ?? "operator"
        let path = reviewFile ?? (NSTemporaryDirectory() + "margintop-tui-\(ProcessInfo.processInfo.processIdentifier)/reviews.jsonl")
        let service: JSONLinesReviewService
        do { service = try JSONLinesReviewService(path: path) } catch {
            FileHandle.standardError.write(Data("margintop-tui: review file: \(error)\n".utf8))
            throw ExitCode(1)
        }
        let book = DemoBook.generate(accounts: accounts, seed: seed)
        var options = DashboardOptions(operatorName: op, readOnly: readOnly, theme: themeValue)
        options.feedName = "sim \(Int(rate))/s"
        let result: DashboardStats
        do {
            let app = await DashboardApp(book: book, reviews: service, options: options)
            result = try await app.run(updates: PriceSimulator(book: book, rate: rate, seed: seed))
        } catch {
            FileHandle.standardError.write(Data("margintop-tui: \(error)\n".utf8))
            throw ExitCode(1)
        }
        if stats { FileHandle.standardError.write(Data("margintop-tui: \(result)\nreviews: \(path)\n".utf8)) }
    }
}
