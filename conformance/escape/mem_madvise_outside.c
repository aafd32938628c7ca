// attack: madvise(MADV_DONTNEED) and msync on ranges outside linear memory (a runtime
// that zeroes or syncs them would touch host memory)
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    uintptr_t end = mem_end();
    struct { uintptr_t a; size_t l; } t[] = {{end, 0x10000}, {end - 0x10000, 0x20000}, {0xffff0000u, 0x20000}};
    for (int i = 0; i < 3; i++) {
        if (madvise((void *)t[i].a, t[i].l, MADV_DONTNEED) == 0)
            escaped("madvise DONTNEED(%#lx, %#zx) past the end %#lx", (unsigned long)t[i].a, t[i].l, (unsigned long)end);
        if (msync((void *)t[i].a, t[i].l, MS_SYNC) == 0)
            escaped("msync(%#lx, %#zx) past the end %#lx", (unsigned long)t[i].a, t[i].l, (unsigned long)end);
    }
    contained("madvise/msync outside memory refused (%s)", E_);
#endif
}
