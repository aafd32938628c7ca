// attack: mmap (and touch) anonymous 1 MiB maps until something stops it (at most 128)
// flags: --limit memory=64M
// grant: --limit memory=512M
// stderr: limit
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int n, err = 0;
    for (n = 0; n < 128; n++) {
        char *p = mmap(NULL, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) { err = errno; break; }
        memset(p, n, 1 << 20);
    }
    if (n >= 96) escaped("mapped %d MiB under a limit of 64M", n);
    contained("mmap failed after %d MiB: %s", n, errname(err));
}
