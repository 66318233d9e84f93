import MarginCore
import TerminalCore
import Testing

/// Polls the in-memory terminal until `done` accepts its screen, moving the manual clock on by
/// 10 ms per round so deferred frames, ticks and sleeps on the clock fall due; records an issue
/// with the last screen after `rounds` rounds.
@MainActor
func waitForScreen(
    _ term: InMemoryTerminal, _ clock: ManualClock, _ what: String, rounds: Int = 2_000,
    sourceLocation: SourceLocation = #_sourceLocation, until done: (String) -> Bool
) async {
    for _ in 0..<rounds {
        if let text = term.screen?.text, done(text) { return }
        clock.advance(by: .milliseconds(10))
        try? await Task.sleep(for: .milliseconds(1))
    }
    Issue.record(
        "screen never showed \(what); last screen:\n\(term.screen?.text ?? "(none)")", sourceLocation: sourceLocation)
}
