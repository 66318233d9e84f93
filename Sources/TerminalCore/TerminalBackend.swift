/// A terminal's size in cells.
public struct TerminalSize: Sendable, Equatable {
    public var rows: Int
    public var cols: Int

    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
    }
}

/// What a terminal reports to the app loop.
public enum TerminalEvent: Sendable, Equatable {
    /// A key press.
    case key(Key)
    /// A click, double click or wheel turn (when the mouse is on).
    case mouse(MouseEvent)
    /// The terminal now has this size.
    case resize(TerminalSize)
    /// SIGINT, SIGTERM or SIGHUP arrived: leave the loop and restore the terminal.
    case stop(signal: Int32)
    /// The screen may no longer show what was drawn (the process was continued after a stop, or started in
    /// the background and brought to the foreground, and the shell wrote over it): repaint every cell.
    case redraw
}

/// The screen the dashboard draws on: a size, whole-buffer draws, input events, and a restore.
///
/// ``InMemoryTerminal`` renders to memory for tests; the ncurses implementation lives in `NCursesBackend`
/// (ratatui's `Backend` / `TestBackend`).
///
/// Input is handed to a handler on the main actor as it arrives rather than through an `AsyncStream`:
/// on Linux, resuming a main-actor `for await` goes through the shared thread pool, which the engine
/// keeps busy on big books (a key waited up to a second at 20,000 accounts); a handler called from the
/// main queue runs at once.
///
/// ```swift
/// let term: any TerminalBackend = InMemoryTerminal(rows: 24, cols: 80)
/// term.start { event in print(event) }   // keys, resizes, stop signals
/// term.draw(render(state))
/// term.restore()
/// ```
@MainActor
public protocol TerminalBackend: AnyObject {
    /// The current size in cells.
    var size: TerminalSize { get }
    /// Draws a whole buffer (the backend may send only what changed).
    func draw(_ buffer: CellBuffer)
    /// Forgets what the screen is believed to show: the next ``draw(_:)`` repaints every cell (Ctrl-L, SIGCONT).
    func invalidate()
    /// Starts reporting input to `handler`, on the main actor, as it arrives, until ``restore()``; a later
    /// call hands the events to its handler instead.
    func start(_ handler: @escaping @MainActor (TerminalEvent) -> Void)
    /// Gives the terminal back as it was and stops reporting input; safe to call more than once.
    func restore()
}
