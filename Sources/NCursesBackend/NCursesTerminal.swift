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
/// The terminal is restored by ``restore()``, on SIGINT/SIGTERM/SIGHUP (reported as
/// ``TerminalEvent/stop(signal:)``, so the app leaves its loop and restores), at exit, and on crash
/// signals (a C handler calls `endwin` before dying).
@MainActor
public final class NCursesTerminal: TerminalBackend {
    private var screen: OpaquePointer?
    private var pairs: [Role: (Int16, attr_t)] = [:]
    private var sources: [any DispatchSourceProtocol] = []
    private var restored = false
    private var handler: (@MainActor (TerminalEvent) -> Void)?
    /// How often input is drained without bytes on stdin, to pick up ncurses' `KEY_RESIZE`.
    public static let resizeCheckInterval = DispatchTimeInterval.milliseconds(250)

    /// Starts curses on the controlling terminal with `theme`.
    public init(theme: Theme) throws {
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
        setTheme(theme)
    }

    /// Stdin readable, a slow timer for resizes, and the stop signals: all on the main queue, to `handler`.
    public func start(_ handler: @escaping @MainActor (TerminalEvent) -> Void) {
        guard !restored, sources.isEmpty else { return }
        self.handler = handler
        let input = DispatchSource.makeReadSource(fileDescriptor: STDIN_FILENO, queue: .main)
        input.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.drainInput() } }
        let timer = DispatchSource.makeTimerSource(queue: .main)
        timer.schedule(deadline: .now() + Self.resizeCheckInterval, repeating: Self.resizeCheckInterval)
        timer.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.drainInput() } }
        sources = [input, timer]
        for sig in [SIGINT, SIGTERM, SIGHUP] {
            signal(sig, SIG_IGN)
            let src = DispatchSource.makeSignalSource(signal: sig, queue: .main)
            src.setEventHandler { [weak self] in MainActor.assumeIsolated { self?.handler?(.stop(signal: sig)) } }
            sources.append(src)
        }
        for s in sources { s.resume() }
    }

    /// Reads every key waiting (`wget_wch` until `ERR`) and reports it.
    private func drainInput() {
        guard !restored else { return }
        while let key = readKey() {
            handler?(key == .resize ? .resize(size) : .key(key))
        }
    }

    /// Applies a theme: one colour pair per role.
    public func setTheme(_ theme: Theme) {
        pairs.removeAll()
        let color = has_colors()
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
            } else if !color, st.fg != .terminalDefault || st.bg != .terminalDefault {
                // No colours: keep the roles apart by attributes.
                if role == .selected || role == .title || role == .footer || role == .dialog { attr |= mt_A_REVERSE() }
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

    /// The next key, or nil when none is waiting.
    private func readKey() -> Key? {
        var w: wint_t = 0
        let rc = wget_wch(mt_stdscr(), &w)
        if rc == ERR { return nil }
        let v = Int32(bitPattern: UInt32(w))
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
