import MarginCore
import MarginRuntime

extension BenchCommand {
    /// The live loop under load (``LiveBench``), reported as text or one JSON object.
    func runLive() async throws {
        var b: Book = try book.map(loadBook) ?? DemoBook.generate(accounts: accounts, seed: seed)
        if let model {
            if model == .es, b.history?.dates.isEmpty ?? true {
                throw CLIError.invalidData("--model es needs a book with history")
            }
            for a in b.accounts.indices { b.accounts[a].model = model }
        }
        let f = try await LiveBench.run(
            book: b, seed: seed, rate: rate, seconds: seconds.value, stepRest: stepRest.value)
        let rss = peakRSSMiB()
        try writeOutput(
            json
                ? JSONWriter(pretty: false).write(
                    f.json(rate: rate, model: model?.rawValue ?? "mixed", peakRSSMiB: rss)) + "\n"
                : f.text(rate: rate, peakRSSMiB: rss), to: nil)
    }
}
