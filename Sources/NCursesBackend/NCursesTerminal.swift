import CNCurses
import Dispatch
import Foundation
import TerminalCore

/// Why the terminal could not be used.
public struct TerminalError: Error, CustomStringConvertible {
    public var description: String
}

/// The curses screen, a ``TerminalBackend``: draws ``CellBuffer``s, reports keys, resizes and stop
/// signals as ``TerminalEvent``s, restores the terminal.
///
/// Every call happens on the main actor (curses is not thread-safe). Nothing polls at frame rate: from
/// ``start(_:)`` on, a read source on stdin wakes the main queue when bytes arrive, and its handler drains
/// `wget_wch` until `ERR`, passing each key straight to the app's handler. ncurses keeps its own SIGWINCH handler (one of ours would replace it) and reports a
/// resize as `KEY_RESIZE` from the next read; as a resize brings no bytes on stdin, a slow timer
/// (``resizeCheckInterval``) also drains, so a resize shows within a quarter of a second.
///
/// Started in the background (`margintop &`), nothing is drawn until the job owns the terminal. When it
/// gets the terminal back (SIGCONT after Ctrl-Z or a stop, or `fg` of a running background job, which brings
/// no signal and is noticed by the slow timer), or when a shell reset the tty modes, curses' modes are
/// applied again and ``TerminalEvent/redraw`` asks the app for a full repaint (``invalidate()``, then a
/// draw); Ctrl-L does the same through the app.
///
/// The terminal is restored by ``restore()``, on SIGINT/SIGTERM/SIGHUP (reported as
/// ``TerminalEvent/stop(signal:)``, so the app leaves its loop and restores), at exit, and on crash
/// signals (a C handler calls `endwin` before dying).
@MainActor
public final class NCursesTerminal: TerminalBackend {
    private var screen: OpaquePointer?
    private var pairs: [Role: (Int16, attr_t)] = [:]
    private var sources: [any DispatchSourceProtocol] = []
    private var restored = false
    /// The last left press (time, row, column), to tell a double click.
    private var lastPress: (UInt64, Int32, Int32)?
    /// Two presses on one cell this close together are a double click.
    static let doubleClickNanoseconds: UInt64 = 400_000_000
    /// Whether the terminal was ours when last looked at (see ``checkTerminal()``).
    private var foreground = true
    private var handler: (@MainActor (TerminalEvent) -> Void)?
    /// How often input is drained without bytes on stdin, to pick up ncurses' `KEY_RESIZE`.
    public static let resizeCheckInterval = DispatchTimeInterval.milliseconds(250)

    /// Starts curses on the controlling terminal with `theme`; `mouse` reports clicks, double clicks and
    /// the wheel (`--no-mouse` leaves the terminal's own selection alone).
    public init(theme: Theme, mouse: Bool = true) throws {
        setlocale(LC_ALL, "")
        guard isatty(STDOUT_FILENO) == 1, isatty(STDIN_FILENO) == 1 else {
            throw TerminalError(description: "margintop needs a terminal: stdin and stdout must be a TTY")
        }
        guard let scr = newterm(nil, mt_stdout(), mt_stdin()) else {
            let term = ProcessInfo.processInfo.environment["TERM"] ?? "(unset)"
            throw TerminalError(
                description: "cannot use terminal type TERM=\(term): no terminfo entry; try TERM=xterm-256color")
        }
        screen = scr
        set_term(scr)
        mt_install_crash_handlers()
        cbreak()
        noecho()
        nonl()
        keypad(mt_stdscr(), true)
        nodelay(mt_stdscr(), true)
        curs_set(0)
        set_escdelay(25)
        mt_mouse_enable(mouse ? 1 : 0)
        setTheme(theme)
    }

    /// Stdin readable, a slow timer for resizes, and the stop signals: all on the main queue, to `handler`.
    /// Called again (the loading screen, then the dashboard), the events go to the new handler.
    public func start(_ handler: @escaping @MainActor (TerminalEvent) -> Void) {
        guard !restored else { return }
        self.handler = handler
        guard sources.isEmpty else { return }
        let input = DispatchSource.makeReadSource(fileDescriptor: STDIN_FILENO, queue: .main)
        input.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.drainInput() } }
        let timer = DispatchSource.makeTimerSource(queue: .main)
        timer.schedule(deadline: .now() + Self.resizeCheckInterval, repeating: Self.resizeCheckInterval)
        timer.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.drainInput() } }
        sources = [input, timer]
        // SIGCONT: `fg` of a job stopped by Ctrl-Z or started in the background; the shell wrote over the
        // screen and may have reset the tty modes.
        let cont = DispatchSource.makeSignalSource(signal: SIGCONT, queue: .main)
        cont.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.continued() } }
        sources.append(cont)
        // SIGTSTP (Ctrl-Z) is ours rather than ncurses' (its handler runs curses inside a signal handler,
        // and after a few stops SIGTSTP was found ignored: Ctrl-Z stopped working).
        signal(SIGTSTP, SIG_IGN)
        let tstp = DispatchSource.makeSignalSource(signal: SIGTSTP, queue: .main)
        tstp.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.suspend() } }
        sources.append(tstp)
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            src.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.handler?(.stop(signal: sig)) } }
            sources.append(src)
        }
        for s in sources { s.resume() }
    }

    /// Ctrl-Z: gives the terminal back and stops; once continued, a full repaint.
    private func suspend() {
        guard !restored else { return }
        mt_suspend()
        foreground = Self.ownsTerminal()
        handler?(.redraw)
    }

    /// The process was continued: curses' tty modes again, then a full repaint by the app.
    private func continued() {
        guard !restored else { return }
        foreground = Self.ownsTerminal()
        guard foreground else { return }
        mt_resume()
        handler?(.redraw)
    }

    /// Whether this process's group is the terminal's foreground group (a job of a shell may be in the background).
    private static func ownsTerminal() -> Bool {
        let group = tcgetpgrp(STDOUT_FILENO)
        return group < 0 || group == getpgrp()
    }

    /// Notices the terminal coming back: brought to the foreground by `fg` (a running background job gets
    /// no SIGCONT), or its modes reset by the shell after a SIGCONT. Either way the shell wrote over the
    /// screen: modes again and a full repaint.
    private func checkTerminal() {
        let owns = Self.ownsTerminal()
        defer { foreground = owns }
        guard owns, !foreground || mt_tty_modes_lost() != 0 else { return }
        mt_resume()
        handler?(.redraw)
    }

    /// Forgets what the screen shows: the next ``draw(_:)`` repaints every cell.
    public func invalidate() {
        guard !restored else { return }
        mt_invalidate()
    }

    /// Reads every key waiting (`wget_wch` until `ERR`) and reports it.
    private func drainInput() {
        guard !restored else { return }
        checkTerminal()
        while let event = readEvent() {
            handler?(event)
        }
    }

    /// Applies a theme: one colour pair per role.
    public func setTheme(_ theme: Theme) {
        pairs.removeAll()
        let color = has_colors()
        // A terminal without colours: the states and the cursor told apart by attributes alone.
        let theme = color ? theme : theme.withoutColor()
        if color {
            start_color()
            use_default_colors()
        }
        let available = Int(mt_COLORS())
        func idx(_ c: ThemeColor) -> Int16 {
            switch c {
            case .terminalDefault: return -1
            case .indexed(let i):
                if i < available { return Int16(i) }
                if i < 16 { return Int16(i - 8) }
                return 7
            }
        }
        for (n, role) in Role.allCases.enumerated() {
            let st = theme.style(role)
            var attr = mt_A_NORMAL()
            if st.bold { attr |= mt_A_BOLD() }
            if st.reverse { attr |= mt_A_REVERSE() }
            if st.underline { attr |= mt_A_UNDERLINE() }
            if st.dim { attr |= mt_A_DIM() }
            var pair: Int16 = 0
            if color, n + 1 < Int(mt_COLOR_PAIRS()) {
                pair = Int16(n + 1)
                init_pair(pair, idx(st.fg), idx(st.bg))
            } else if !color, role == .title || role == .footer || role == .dialog {
                // No colours: the bars and dialogs stand apart in reverse video.
                attr |= mt_A_REVERSE()
            }
            pairs[role] = (pair, attr)
        }
    }

    /// Current size in cells.
    public var size: TerminalSize {
        TerminalSize(rows: Int(mt_getmaxy(mt_stdscr())), cols: Int(mt_getmaxx(mt_stdscr())))
    }

    /// Draws a whole buffer (curses sends only what changed).
    public func draw(_ buffer: CellBuffer) {
        // In the background the shell owns the screen: draw nothing; `checkTerminal` asks for a full
        // repaint when the job is brought back.
        guard Self.ownsTerminal() else {
            foreground = false
            return
        }
        let win = mt_stdscr()
        werase(win)
        var cc = cchar_t()
        var wch: [wchar_t] = Array(repeating: 0, count: 8)
        for r in 0..<buffer.rows {
            for c in 0..<buffer.cols {
                let cell = buffer[r, c]
                if cell.isContinuation { continue }
                let (pair, attr) = pairs[cell.role] ?? (0, mt_A_NORMAL())
                var k = 0
                for u in cell.text.unicodeScalars where k < 7 {
                    wch[k] = wchar_t(bitPattern: u.value)
                    k += 1
                }
                if k == 0 {
                    wch[0] = 32
                    k = 1
                }
                wch[k] = 0
                setcchar(&cc, wch, attr, pair, nil)
                mvwadd_wch(win, Int32(r), Int32(c), &cc)
            }
        }
        wnoutrefresh(win)
        doupdate()
    }

    /// The next event waiting, or nil; input that means nothing (an unknown key, a mouse event not
    /// asked for) is skipped.
    private func readEvent() -> TerminalEvent? {
        var w: wint_t = 0
        while true {
            let rc = wget_wch(mt_stdscr(), &w)
            if rc == ERR { return nil }
            let v = Int32(bitPattern: UInt32(w))
            if rc == KEY_CODE_YES && v == KEY_MOUSE {
                var row: Int32 = 0
                var col: Int32 = 0
                let kinds: [MouseEvent.Kind?] = [nil, .click, nil, .wheelUp, .wheelDown]
                guard var kind = kinds[Int(mt_read_mouse(&row, &col))] else { continue }
                if kind == .click {
                    // A second press on the same cell within the interval is a double click.
                    let now = DispatchTime.now().uptimeNanoseconds
                    if let (t, r, c) = lastPress, r == row, c == col, now - t < Self.doubleClickNanoseconds {
                        kind = .doubleClick
                        lastPress = nil
                    } else {
                        lastPress = (now, row, col)
                    }
                }
                return .mouse(MouseEvent(kind, row: Int(row), col: Int(col)))
            }
            guard let key = decode(rc: rc, v) else { continue }
            return key == .resize ? .resize(size) : .key(key)
        }
    }

    /// A key from `wget_wch`'s result.
    private func decode(rc: Int32, _ v: Int32) -> Key? {
        if rc == KEY_CODE_YES {
            switch v {
            case KEY_UP: return .up
            case KEY_DOWN: return .down
            case KEY_LEFT: return .left
            case KEY_RIGHT: return .right
            case KEY_PPAGE: return .pageUp
            case KEY_NPAGE: return .pageDown
            case KEY_HOME: return .home
            case KEY_END: return .end
            case KEY_ENTER: return .enter
            case KEY_BACKSPACE: return .backspace
            case KEY_DC: return .delete
            case KEY_RESIZE: return .resize
            default:
                for n in 1...12 where v == mt_KEY_F(Int32(n)) { return .function(n) }
                return nil
            }
        }
        switch v {
        case 10, 13: return .enter
        case 27: return .escape
        case 127, 8: return .backspace
        case 9: return .tab
        case 1...26:
            guard let u = Unicode.Scalar(UInt32(v + 96)) else { return nil }
            return .ctrl(Character(u))
        default:
            guard let u = Unicode.Scalar(UInt32(bitPattern: v)) else { return nil }
            return .char(Character(u))
        }
    }

    /// Leaves curses and gives the terminal back as it was; safe to call twice.
    public func restore() {
        guard !restored else { return }
        restored = true
        mt_restore_terminal()
        screen = nil
        for s in sources { s.cancel() }
        sources.removeAll()
        handler = nil
    }
}
