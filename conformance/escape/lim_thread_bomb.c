// attack: create threads until something stops it (at most 12, each waiting on a pipe)
// flags: --limit threads=8
// grant: --limit threads=64
// stderr: limit
#include "escape.h"
#include <pthread.h>
static int p[2];
static void *wait_pipe(void *a) {
    (void)a;
    char b;
    while (read(p[0], &b, 1) < 0 && errno == EINTR) {}
    return NULL;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    if (pipe(p) < 0) broken("pipe");
    pthread_t t[12];
    int n, err = 0;
    for (n = 0; n < 12; n++) {
        err = pthread_create(&t[n], NULL, wait_pipe, NULL);
        if (err) break;
    }
    close(p[1]);
    for (int i = 0; i < n; i++) pthread_join(t[i], NULL);
    if (n >= 9) escaped("created %d threads under a limit of 8", n);
    contained("pthread_create #%d: %s", n + 1, errname(err));
}
