// pthread create+join cycles for bench/soak.sh: N cycles (default 10000); at the start,
// the middle and the end it prints "checkpoint K" and pauses 300 ms so the runner can
// sample the process from outside (fds, threads, RSS).
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

static void *work(void *arg) { return arg; }

static void checkpoint(int k) {
    printf("checkpoint %d\n", k);
    fflush(stdout);
    struct timespec ts = {0, 300 * 1000 * 1000};
    nanosleep(&ts, 0);
}

int main(int argc, char **argv) {
    long n = argc > 1 ? atol(argv[1]) : 10000;
    if (n < 2 || n > 1000000) { fprintf(stderr, "bad count\n"); return 2; }
    checkpoint(0);
    for (long i = 0; i < n; i++) {
        pthread_t t;
        if (pthread_create(&t, 0, work, (void *)i)) { fprintf(stderr, "create failed at %ld\n", i); return 1; }
        void *r;
        pthread_join(t, &r);
        if ((long)r != i) { fprintf(stderr, "wrong result at %ld\n", i); return 1; }
        if (i == n / 2) checkpoint(1);
    }
    checkpoint(2);
    printf("done %ld\n", n);
    return 0;
}
