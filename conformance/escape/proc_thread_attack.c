// attack: read OUTSIDE/secret from a new thread (a new instance of the module)
// grant: --dir {outside}
#include "escape.h"
#include <pthread.h>
static int ok, err;
static void *run(void *a) {
    (void)a;
    ok = read_secret(out("secret"));
    err = errno;
    return NULL;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    pthread_t t;
    if (pthread_create(&t, NULL, run, NULL)) broken("pthread_create");
    pthread_join(t, NULL);
    if (ok) escaped("a thread read OUTSIDE/secret");
    contained("thread: open %s: %s", out("secret"), errname(err));
}
