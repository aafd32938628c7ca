// attack: fork until something stops it (at most 10 children, each waiting on a pipe,
// so even an unlimited run stays small)
// flags: --limit processes=5
// grant: --limit processes=64
// stderr: limit
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int p[2];
    if (pipe(p) < 0) broken("pipe");
    int n, err = 0;
    for (n = 0; n < 10; n++) {
        pid_t c = fork();
        if (c < 0) { err = errno; break; }
        if (c == 0) {
            close(p[1]);
            char b;
            while (read(p[0], &b, 1) < 0 && errno == EINTR) {}
            _exit(0);
        }
    }
    close(p[1]);
    while (wait(NULL) > 0) {}
    if (n >= 6) escaped("forked %d children under a limit of 5 processes", n);
    contained("fork #%d: %s", n + 1, errname(err));
}
