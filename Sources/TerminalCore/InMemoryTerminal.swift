/// A terminal in memory, for tests (ratatui's `TestBackend`): keeps the last buffer drawn, and lets the
/// test type keys, resize it and send stop signals.
///
/// ```swift
/// let term = InMemoryTerminal(rows: 40, cols: 120)
/// term.type("q")
/// print(term.screen?.text ?? "nothing drawn yet")
/// ```
@MainActor
public final class InMemoryTerminal: TerminalBackend {
    public private(set) var size: TerminalSize
    /// The last buffer drawn, `nil` before the first frame.
    public private(set) var screen: CellBuffer?
    /// Frames drawn so far.
    public private(set) var frames = 0
    /// Whether ``restore()`` was called.
    public private(set) var restored = false
    public let events: AsyncStream<TerminalEvent>
    private let sink: AsyncStream<TerminalEvent>.Continuation

    public init(rows: Int, cols: Int) {
        size = TerminalSize(rows: rows, cols: cols)
        (events, sink) = AsyncStream<TerminalEvent>.makeStream()
    }

    public func draw(_ buffer: CellBuffer) {
        screen = buffer
        frames += 1
    }

    public func restore() {
        restored = true
        sink.finish()
    }

    /// Sends key presses, in order.
    public func press(_ keys: Key...) {
        for k in keys { sink.yield(.key(k)) }
    }

    /// Types `text`, one `.char` key per character.
    public func type(_ text: String) {
        for c in text { sink.yield(.key(.char(c))) }
    }

    /// Changes the size and reports it, as a terminal window resized by the user.
    public func resize(rows: Int, cols: Int) {
        size = TerminalSize(rows: rows, cols: cols)
        sink.yield(.resize(size))
    }

    /// Reports a stop signal (SIGTERM unless given).
    public func stop(signal: Int32 = 15) {
        sink.yield(.stop(signal: signal))
    }
}
