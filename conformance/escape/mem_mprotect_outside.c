// attack: mprotect ranges outside linear memory (just past its end, straddling it,
// and wrapping past 4 GiB)
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    uintptr_t end = mem_end();
    struct { uintptr_t a; size_t l; } t[] = {{end, 0x10000}, {end - 0x10000, 0x20000}, {0xffff0000u, 0x20000}};
    for (int i = 0; i < 3; i++)
        if (mprotect((void *)t[i].a, t[i].l, PROT_READ | PROT_WRITE) == 0)
            escaped("mprotect(%#lx, %#zx) beyond the end of memory %#lx", (unsigned long)t[i].a, t[i].l, (unsigned long)end);
    contained("3 mprotects outside memory refused (%s)", E_);
#endif
}
