// attack: malloc (and touch) 1 MiB blocks until something stops it (at most 128 MiB)
// flags: --limit memory=64M
// grant: --limit memory=512M
// stderr: limit
#include "escape.h"
static char *volatile blocks[128]; /* kept and read back, so the compiler cannot drop them */
int main(int argc, char **argv) {
    setup(argc, argv);
    int n;
    for (n = 0; n < 128; n++) {
        char *p = malloc(1 << 20);
        if (!p) break;
        memset(p, n + 1, 1 << 20);
        blocks[n] = p;
    }
    long sum = 0;
    for (int i = 0; i < n; i++) sum += blocks[i][i * 4096 % (1 << 20)];
    if (n >= 96) escaped("allocated %d MiB under a limit of 64M (check %ld)", n, sum);
    contained("malloc failed after %d MiB", n);
}
