// attack: open /dev/null until something stops it (at most 200)
// flags: --limit fds=64
// grant: --limit fds=1024
// stderr: limit
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int n, err = 0;
    for (n = 0; n < 200; n++)
        if (open("/dev/null", O_RDONLY) < 0) { err = errno; break; }
    if (n >= 64) escaped("opened %d fds under a limit of 64", n);
    contained("open #%d: %s", n + 1, errname(err));
}
