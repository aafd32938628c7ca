/* malloc/free churn in Ruby's pattern: many small objects of mixed sizes, freed in an
 * order unlike their allocation, from T threads at once (T=1: no lock contention).
 *   malloc ROUNDS THREADS  -> prints ns per malloc+free pair */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#define SLOTS 4096
static long rounds;

static void *churn(void *arg)
{
    unsigned x = 2463534242u + (unsigned)(long)arg;
    void **slot = calloc(SLOTS, sizeof *slot);
    for (long i = 0; i < rounds; i++) {
        x ^= x << 13, x ^= x >> 17, x ^= x << 5;
        unsigned k = x % SLOTS;
        free(slot[k]);
        /* Mostly 16-96 bytes (strings, arrays, hashes), sometimes up to 4 KiB. */
        size_t n = (x >> 12) % 16 ? 16 + (x >> 16) % 80 : 16 + (x >> 16) % 4096;
        slot[k] = malloc(n);
        ((char *)slot[k])[0] = 1;
    }
    for (int k = 0; k < SLOTS; k++) free(slot[k]);
    free(slot);
    return 0;
}

int main(int argc, char **argv)
{
    rounds = argc > 1 ? atol(argv[1]) : 2000000;
    int threads = argc > 2 ? atoi(argv[2]) : 1;
    if (rounds < 1 || rounds > 100000000 || threads < 1 || threads > 16) {
        fprintf(stderr, "usage: malloc ROUNDS(1..1e8) THREADS(1..16)\n");
        return 2;
    }
    pthread_t t[16];
    struct timespec a, b;
    clock_gettime(CLOCK_MONOTONIC, &a);
    for (int i = 0; i < threads; i++) pthread_create(&t[i], 0, churn, (void *)(long)i);
    for (int i = 0; i < threads; i++) pthread_join(t[i], 0);
    clock_gettime(CLOCK_MONOTONIC, &b);
    double ns = (b.tv_sec - a.tv_sec) * 1e9 + (b.tv_nsec - a.tv_nsec);
    printf("%.1f\n", ns / ((double)rounds * threads));
    return 0;
}
