// Per-call cost of common syscalls: median ns per call over batches, one line per
// benchmark ("name ns"). Built natively and for wasm by bench/syscalls.sh.
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static double now_ns(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return ts.tv_sec * 1e9 + ts.tv_nsec;
}
#define FUTEX_WAIT_PRIVATE 128
#define FUTEX_WAKE_PRIVATE 129

static int cmp(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

#define BATCHES 15
#define BENCH(name, iters, body) do { \
    double t[BATCHES]; \
    for (int b = 0; b < BATCHES; b++) { \
        double s = now_ns(); \
        for (long i = 0; i < (iters); i++) { body; } \
        t[b] = (now_ns() - s) / (iters); \
    } \
    qsort(t, BATCHES, sizeof *t, cmp); \
    printf("%-24s %.0f\n", name, t[BATCHES / 2]); \
    fflush(stdout); \
} while (0)

static int pa[2], pb[2];
static volatile int sigs;
static void on_usr1(int s) { (void)s; sigs++; }
static int fword;
static void *futex_echo(void *a) {
    for (;;) {
        while (__atomic_load_n(&fword, __ATOMIC_ACQUIRE) != 1)
            syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
        if (a) return 0;
        __atomic_store_n(&fword, 2, __ATOMIC_RELEASE);
        syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
    }
}

int main(void) {
    char buf[4096];
    memset(buf, 1, sizeof buf);
    BENCH("getppid", 200000, getppid());
    BENCH("close(-1)", 200000, close(-1));
    pipe(pa);
    BENCH("write+read 1B pipe", 50000, (write(pa[1], buf, 1), read(pa[0], buf, 1)));
    BENCH("write+read 4KiB pipe", 20000, (write(pa[1], buf, 4096), read(pa[0], buf, 4096)));
    int f = open("bench-file.tmp", O_RDWR | O_CREAT | O_TRUNC, 0600);
    write(f, buf, sizeof buf);
    BENCH("pread 1B file", 100000, pread(f, buf, 1, 0));
    BENCH("pwrite 4KiB file", 20000, pwrite(f, buf, 4096, 0));
    struct stat st;
    BENCH("fstat", 100000, fstat(f, &st));
    BENCH("open+close", 20000, close(open("bench-file.tmp", O_RDONLY)));
    BENCH("mmap+munmap 64KiB", 20000, munmap(mmap(0, 65536, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), 65536));
    close(f);
    unlink("bench-file.tmp");
    signal(SIGUSR1, on_usr1);
    BENCH("signal round trip", 20000, raise(SIGUSR1));
    pthread_t t;
    pthread_create(&t, 0, futex_echo, 0);
    BENCH("futex wake round trip", 5000, ({
        __atomic_store_n(&fword, 1, __ATOMIC_RELEASE);
        syscall(SYS_futex, &fword, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0);
        while (__atomic_load_n(&fword, __ATOMIC_ACQUIRE) != 2)
            syscall(SYS_futex, &fword, FUTEX_WAIT_PRIVATE, 1, 0, 0, 0);
        __atomic_store_n(&fword, 0, __ATOMIC_RELEASE);
    }));
    BENCH("fork+exit+wait4", 200, ({
        pid_t p = fork();
        if (p == 0) _exit(0);
        waitpid(p, 0, 0);
    }));
    return 0;
}
