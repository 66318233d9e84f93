#ifndef MARGINTOP_CNCURSES_SHIM_H
#define MARGINTOP_CNCURSES_SHIM_H

// SwiftPM drops pkg-config's -D flags: ask for the wide-char API here.
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <termios.h>
#include <unistd.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// Attributes (macros Swift cannot import).
static inline attr_t mt_A_NORMAL(void) { return A_NORMAL; }
static inline attr_t mt_A_BOLD(void) { return A_BOLD; }
static inline attr_t mt_A_REVERSE(void) { return A_REVERSE; }
static inline attr_t mt_A_UNDERLINE(void) { return A_UNDERLINE; }
static inline attr_t mt_A_DIM(void) { return A_DIM; }

// ACS characters only have values after initscr/newterm.
static inline chtype mt_ACS_HLINE(void) { return ACS_HLINE; }
static inline chtype mt_ACS_VLINE(void) { return ACS_VLINE; }

// Global C state Swift 6 refuses to read directly.
static inline WINDOW *mt_stdscr(void) { return stdscr; }
static inline int mt_LINES(void) { return LINES; }
static inline int mt_COLS(void) { return COLS; }
static inline int mt_COLORS(void) { return COLORS; }
static inline int mt_COLOR_PAIRS(void) { return COLOR_PAIRS; }
static inline int mt_getmaxy(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)x; return y; }
static inline int mt_getmaxx(WINDOW *w) { int y, x; getmaxyx(w, y, x); (void)y; return x; }
static inline int mt_KEY_F(int n) { return KEY_F(n); }

static inline FILE *mt_stdout(void) { return stdout; }
static inline FILE *mt_stdin(void) { return stdin; }

// Mouse: left presses and the wheel (buttons 4 and 5), or nothing. mouseinterval(0): every press is
// reported at once (ncurses' own click resolution holds a press back and mixed up a click followed
// quickly by a wheel turn); the backend tells double clicks apart itself.
static inline void mt_mouse_enable(int on) {
    mousemask(on ? (BUTTON1_PRESSED | BUTTON4_PRESSED | BUTTON5_PRESSED) : 0, NULL);
    mouseinterval(0);
}

// The mouse event after KEY_MOUSE: 1 left press, 3 wheel up, 4 wheel down, 0 other (releases).
static inline int mt_read_mouse(int *row, int *col) {
    MEVENT e;
    if (getmouse(&e) != OK) { return 0; }
    *row = e.y;
    *col = e.x;
    if (e.bstate & BUTTON1_PRESSED) { return 1; }
    if (e.bstate & BUTTON4_PRESSED) { return 3; }
    if (e.bstate & BUTTON5_PRESSED) { return 4; }
    return 0;
}

// Forgets what the screen shows: the next refresh repaints every cell (Ctrl-L, SIGCONT).
static inline void mt_invalidate(void) {
    if (curscr != NULL) { clearok(curscr, TRUE); }
}

// After SIGCONT: the shell may have put the tty back in cooked mode; apply curses' modes again.
static inline void mt_resume(void) {
    if (stdscr != NULL && !isendwin()) { reset_prog_mode(); }
}

// Ctrl-Z, called on the main queue (not in a signal handler): leave curses, stop with SIGTSTP's default
// action (the shell says "Stopped"), and on SIGCONT put back the handler that was there (the app's
// signal source). The next refresh re-enters curses and repaints the whole screen.
// The stop is raised on this thread with SIGTSTP unblocked here, so it takes effect before raise()
// returns. A kill() of the process went to whichever thread did not block it (Dispatch's workers block
// it, the main thread waits in sigsuspend): when that thread took it only after the handler below was
// put back, the signal reached the app's source again instead of stopping it, and Ctrl-Z was lost.
static inline void mt_suspend(void) {
    if (stdscr == NULL || isendwin()) { return; }
    def_prog_mode();
    endwin();
    struct sigaction dfl, old;
    dfl.sa_handler = SIG_DFL;
    sigemptyset(&dfl.sa_mask);
    dfl.sa_flags = 0;
    sigset_t tstp, mask;
    sigemptyset(&tstp);
    sigaddset(&tstp, SIGTSTP);
    sigaction(SIGTSTP, &dfl, &old);
    pthread_sigmask(SIG_UNBLOCK, &tstp, &mask);
    raise(SIGTSTP);
    pthread_sigmask(SIG_SETMASK, &mask, NULL);
    sigaction(SIGTSTP, &old, NULL);
}

// Whether the tty lost curses' modes (canonical input or echo back on): a shell reset it behind our back.
static inline int mt_tty_modes_lost(void) {
    struct termios t;
    if (stdscr == NULL || isendwin() || tcgetattr(STDOUT_FILENO, &t) != 0) { return 0; }
    return (t.c_lflag & (ICANON | ECHO)) != 0;
}

// Restores the terminal if curses is active; safe to call more than once.
static inline void mt_restore_terminal(void) {
    if (stdscr != NULL && !isendwin()) { endwin(); }
}

// Crash signals: restore the terminal, then die with the default action.
static void mt_crash_handler(int sig) {
    mt_restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

static inline void mt_install_crash_handlers(void) {
    int sigs[] = { SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT, SIGTRAP };
    for (unsigned i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
        struct sigaction sa;
        sa.sa_handler = mt_crash_handler;
        sigemptyset(&sa.sa_mask);
        sa.sa_flags = SA_RESETHAND;
        sigaction(sigs[i], &sa, NULL);
    }
    atexit(mt_restore_terminal);
}

#endif
