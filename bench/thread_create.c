// Thread create+join round trip: median over batches, in microseconds.
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
static void *nothing(void *a) { return a; }
static double now_us(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e6 + ts.tv_nsec / 1e3;
}
static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}
int main(int argc, char **argv) {
    int n = argc > 1 ? atoi(argv[1]) : 200;
    double *t = malloc(n * sizeof *t);
    for (int i = 0; i < n; i++) {
        pthread_t th;
        double s = now_us();
        if (pthread_create(&th, 0, nothing, 0)) { perror("pthread_create"); return 1; }
        pthread_join(th, 0);
        t[i] = now_us() - s;
    }
    qsort(t, n, sizeof *t, cmp);
    printf("%.1f\n", t[n / 2]);
    return 0;
}
