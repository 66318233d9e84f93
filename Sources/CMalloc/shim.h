// glibc's allocator controls (mallopt, mallinfo2), which Swift's Glibc module does not carry.
#include <malloc.h>
