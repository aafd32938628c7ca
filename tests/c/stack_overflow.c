// Unbounded recursion, in main (argument "main") or in a thread (argument "thread"):
// on Linux the stack runs into its guard page and the process dies of SIGSEGV. Under
// wali-run the stack check stops it the same way, before a frame lands in other
// memory: a canary on another thread's stack (mapped just below the recursing thread's,
// where an unchecked overflow lands first) is checked at every level.
// args: thread
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#define CANARY 4096
static volatile unsigned char *canary;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cond = PTHREAD_COND_INITIALIZER;
static int ready;

static void check(void) {
    if (!canary)
        return;
    for (int i = 0; i < CANARY; i++)
        if (canary[i] != 0xa5) {
            printf("canary overwritten at %d: memory corrupted\n", i);
            fflush(stdout);
            _exit(3);
        }
}

static int recurse(int n) {
    volatile char frame[2048];
    frame[0] = (char)n;
    frame[sizeof frame - 1] = (char)n;
    if (n % 8 == 0)
        check();
    return recurse(n + 1) + frame[n % sizeof frame];
}

static void *keeper(void *arg) {
    unsigned char buf[CANARY];
    memset(buf, 0xa5, sizeof buf);
    pthread_mutex_lock(&lock);
    canary = buf;
    ready = 1;
    pthread_cond_broadcast(&cond);
    pthread_mutex_unlock(&lock);
    for (;;)
        pause();
    return arg;
}

static void *runner(void *arg) {
    printf("thread: recursing\n");
    fflush(stdout);
    return (void *)(long)recurse(0);
}

int main(int argc, char **argv) {
    int in_thread = argc > 1 && strcmp(argv[1], "thread") == 0;
    pthread_t k, r;
    // The keeper's stack is mapped first, so the runner's lies just above it.
    pthread_create(&k, 0, keeper, 0);
    pthread_mutex_lock(&lock);
    while (!ready)
        pthread_cond_wait(&cond, &lock);
    pthread_mutex_unlock(&lock);
    if (in_thread) {
        pthread_create(&r, 0, runner, 0);
        pthread_join(r, 0);
    } else {
        printf("main: recursing\n");
        fflush(stdout);
        recurse(0);
    }
    printf("recursion ended (must not print)\n");
    return 0;
}
