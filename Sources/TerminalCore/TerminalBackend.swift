/// A terminal's size in cells.
public struct TerminalSize: Sendable, Equatable {
    public var rows: Int
    public var cols: Int

    public init(rows: Int, cols: Int) { self.rows = rows; self.cols = cols }
}

/// What a terminal reports to the app loop.
public enum TerminalEvent: Sendable, Equatable {
    /// A key press.
    case key(Key)
    /// The terminal now has this size.
    case resize(TerminalSize)
    /// SIGINT, SIGTERM or SIGHUP arrived: leave the loop and restore the terminal.
    case stop(signal: Int32)
}

/// The screen the dashboard draws on: a size, whole-buffer draws, a stream of input events, and a restore.
///
/// ``InMemoryTerminal`` renders to memory for tests; the ncurses implementation lives in `NCursesBackend`
/// (ratatui's `Backend` / `TestBackend`).
///
/// ```swift
/// let term: any TerminalBackend = InMemoryTerminal(rows: 24, cols: 80)
/// term.draw(render(state))
/// for await event in term.events { ... }   // keys, resizes, stop signals
/// term.restore()
/// ```
@MainActor
public protocol TerminalBackend: AnyObject {
    /// The current size in cells.
    var size: TerminalSize { get }
    /// Draws a whole buffer (the backend may send only what changed).
    func draw(_ buffer: CellBuffer)
    /// Input as it arrives. One consumer; finishes when the terminal is restored.
    var events: AsyncStream<TerminalEvent> { get }
    /// Gives the terminal back as it was; safe to call more than once.
    func restore()
}
