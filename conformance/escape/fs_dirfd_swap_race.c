// attack: OUTSIDE is granted read-only; a second thread keeps dup2-ing a descriptor of
// OUTSIDE and one of the read-write cwd onto the same number while the main thread
// creates directories relative to that number: none may land in OUTSIDE
// flags: --dir {outside}:ro
// grant: --dir {outside}
#include "escape.h"
#include <pthread.h>
static volatile int stop;
static int rw, ro, target;
static void *swapper(void *arg) {
    (void)arg;
    while (!stop) {
        dup2(ro, target);
        dup2(rw, target);
    }
    return NULL;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    rw = open(".", O_RDONLY | O_DIRECTORY);
    ro = open(OUT, O_RDONLY | O_DIRECTORY);
    target = open(".", O_RDONLY | O_DIRECTORY);
    if (rw < 0 || ro < 0 || target < 0) broken("open: %s", E_);
    pthread_t t;
    if (pthread_create(&t, NULL, swapper, NULL)) broken("pthread_create");
    char name[32];
    int made = 0;
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof name, "race%d", i);
        if (mkdirat(target, name, 0755) == 0) made++;
    }
    stop = 1;
    pthread_join(t, NULL);
    for (int i = 0; i < 20000; i++) {
        snprintf(name, sizeof name, "race%d", i);
        struct stat st;
        if (stat(out(name), &st) == 0) escaped("%s was made in a read-only grant", out(name));
    }
    contained("%d directories made, all in the cwd", made);
}
