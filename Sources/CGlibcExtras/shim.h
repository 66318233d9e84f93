// glibc's extensions that Swift's Glibc module does not carry.
#include <malloc.h>
#include <sys/prctl.h>

// Names the calling thread (at most 15 bytes shown: top -H, perf, /proc/self/task/TID/comm).
// prctl is variadic, which Swift cannot call.
static inline int margintop_name_this_thread(const char *name) { return prctl(PR_SET_NAME, name, 0, 0, 0); }
