/* walidemo: prints what configure found (config.h), uses the project's library, libm
   and threads. Every line is the same on Linux and under wali-run when the cross
   build is right. */
#include <config.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "walidemo.h"

#define NTHREADS 4
#define N 400000

struct part { int from, to; double sum; };

static void *sum_sqrt(void *arg) {
    struct part *p = arg;
    for (int i = p->from; i < p->to; i++)
        p->sum += sqrt((double)i);
    return NULL;
}

static const char *yes(int b) { return b ? "yes" : "no"; }

int main(int argc, char **argv) {
    printf("%s\n", PACKAGE_STRING);

    /* What configure answered, checked against the compiler that built this. */
#ifdef HAVE_PTHREAD_H
    printf("HAVE_PTHREAD_H: yes\n");
#endif
#ifdef HAVE_SYS_UTSNAME_H
    printf("HAVE_SYS_UTSNAME_H: yes\n");
#endif
#ifdef HAVE_CLOCK_GETTIME
    printf("HAVE_CLOCK_GETTIME: yes\n");
#endif
#ifdef HAVE_GETLINE
    printf("HAVE_GETLINE: yes\n");
#endif
#ifdef HAVE_NANOSLEEP
    printf("HAVE_NANOSLEEP: yes\n");
#endif
#ifdef HAVE_WALI_NO_SUCH_HEADER_H
    printf("HAVE_WALI_NO_SUCH_HEADER_H: yes (wrong: the header does not exist)\n");
#endif
#ifdef HAVE_WALI_NO_SUCH_FUNCTION
    printf("HAVE_WALI_NO_SUCH_FUNCTION: yes (wrong: the link should have failed)\n");
#endif
#ifdef HAVE_LIBWALI_NO_SUCH_LIB
    printf("HAVE_LIBWALI_NO_SUCH_LIB: yes (wrong: the library does not exist)\n");
#endif
    printf("SIZEOF_LONG is sizeof(long): %s\n", yes(SIZEOF_LONG == sizeof(long)));
    printf("SIZEOF_VOID_P is sizeof(void *): %s\n", yes(SIZEOF_VOID_P == sizeof(void *)));
    unsigned one = 1;
#ifdef WORDS_BIGENDIAN
    int big = 1;
#else
    int big = 0;
#endif
    printf("WORDS_BIGENDIAN matches memory: %s\n", yes(big == (*(unsigned char *)&one == 0)));

    /* The project's library (with libm). */
    double v[] = {2, 4, 4, 4, 5, 5, 7, 9};
    printf("mean %.6f stddev %.6f\n", walidemo_mean(v, 8), walidemo_stddev(v, 8));
    char buf[64];
    printf("shout: %s\n", walidemo_shout(argc > 1 ? argv[1] : "hello", buf, sizeof buf));
    printf("libm: %.12g %.12g %.12g %.12g\n", cos(1.0), exp(2.5), log(10.0), pow(2.0, 0.5));

    /* Threads: each sums sqrt over a quarter of [1, N); joined in order. */
    pthread_t t[NTHREADS];
    struct part p[NTHREADS];
    for (int i = 0; i < NTHREADS; i++) {
        p[i] = (struct part){1 + i * (N / NTHREADS), 1 + (i + 1) * (N / NTHREADS), 0};
        if (pthread_create(&t[i], NULL, sum_sqrt, &p[i]) != 0) {
            perror("pthread_create");
            return 1;
        }
    }
    double total = 0;
    for (int i = 0; i < NTHREADS; i++) {
        pthread_join(t[i], NULL);
        total += p[i].sum;
    }
    printf("threads: %d, sum of sqrt(1..%d) = %.6f\n", NTHREADS, N, total);

    struct timespec ts;
    printf("clock_gettime: %s\n", yes(clock_gettime(CLOCK_MONOTONIC, &ts) == 0));
    return argc > 2 ? atoi(argv[2]) : 0;
}
