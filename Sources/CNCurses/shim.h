#ifndef MARGINTOP_CNCURSES_SHIM_H
#define MARGINTOP_CNCURSES_SHIM_H

// SwiftPM drops pkg-config's -D flags: ask for the wide-char API here.
#define NCURSES_WIDECHAR 1
#ifndef _XOPEN_SOURCE_EXTENDED
#define _XOPEN_SOURCE_EXTENDED 1
#endif
#include <locale.h>
#include <signal.h>
#include <stdlib.h>
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
