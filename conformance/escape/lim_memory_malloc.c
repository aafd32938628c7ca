// attack: malloc (and touch) 1 MiB blocks until something stops it (at most 128 MiB)
// flags: --limit memory=64M
// grant: --limit memory=512M
// stderr: limit
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int n;
    for (n = 0; n < 128; n++) {
        char *p = malloc(1 << 20);
        if (!p) break;
        memset(p, n, 1 << 20);
    }
    if (n >= 96) escaped("allocated %d MiB under a limit of 64M", n);
    contained("malloc failed after %d MiB", n);
}
