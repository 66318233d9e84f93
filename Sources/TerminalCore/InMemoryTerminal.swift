/// A terminal in memory, for tests (ratatui's `TestBackend`): keeps the last buffer drawn, and lets the
/// test type keys, resize it and send stop signals. Events sent before ``start(_:)`` wait for it; after it,
/// they reach the handler at once.
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
    /// How many times ``invalidate()`` was called (each asks the next frame to repaint every cell).
    public private(set) var invalidations = 0
    /// Whether ``restore()`` was called.
    public private(set) var restored = false
    private var handler: (@MainActor (TerminalEvent) -> Void)?
    private var waiting: [TerminalEvent] = []

    public init(rows: Int, cols: Int) {
        size = TerminalSize(rows: rows, cols: cols)
    }

    public func start(_ handler: @escaping @MainActor (TerminalEvent) -> Void) {
        self.handler = handler
        let early = waiting
        waiting.removeAll()
        for e in early { handler(e) }
    }

    private func send(_ event: TerminalEvent) {
        guard !restored else { return }
        if let handler { handler(event) } else { waiting.append(event) }
    }

    public func draw(_ buffer: CellBuffer) {
        screen = buffer
        frames += 1
    }

    public func invalidate() { invalidations += 1 }

    public func restore() {
        restored = true
        handler = nil
    }

    /// Sends key presses, in order.
    public func press(_ keys: Key...) {
        for k in keys { send(.key(k)) }
    }

    /// Sends a mouse event at a cell.
    public func mouse(_ kind: MouseEvent.Kind, row: Int, col: Int) {
        send(.mouse(MouseEvent(kind, row: row, col: col)))
    }

    /// Types `text`, one `.char` key per character.
    public func type(_ text: String) {
        for c in text { send(.key(.char(c))) }
    }

    /// Changes the size and reports it, as a terminal window resized by the user.
    public func resize(rows: Int, cols: Int) {
        size = TerminalSize(rows: rows, cols: cols)
        send(.resize(size))
    }

    /// Reports that the screen must be repainted, as after SIGCONT (`fg` of a stopped or background job).
    public func continued() {
        send(.redraw)
    }

    /// Reports a stop signal (SIGTERM unless given).
    public func stop(signal: Int32 = 15) {
        send(.stop(signal: signal))
    }
}
