// attack: grow linear memory directly with memory.grow (no system call at all), 1 MiB
// at a time, until something stops it (at most 128 MiB)
// flags: --limit memory=64M
// grant: --limit memory=512M
// stderr: limit
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int n;
    for (n = 0; n < 128; n++) {
#ifdef __wasm__
        if (__builtin_wasm_memory_grow(0, 16) == (size_t)-1) break;
#else
        char *p = malloc(1 << 20);
        if (!p) break;
        memset(p, 1, 1 << 20);
#endif
    }
    if (n >= 96) escaped("grew memory by %d MiB under a limit of 64M", n);
    contained("memory.grow failed after %d MiB", n);
}
