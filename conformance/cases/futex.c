// syscalls: futex futex_waitv set_robust_list get_robust_list nanosleep clock_nanosleep ppoll rt_sigtimedwait timerfd_create timerfd_settime utimensat fork wait4 exit
/* Futexes beyond wait/wake: timeouts whose timespec padding holds garbage (wasm32's
 * tv_nsec is a 4-byte long followed by 4 bytes C never sets), robust mutexes (the
 * owner's death seen as EOWNERDEAD, by a thread and by another process),
 * priority-inheritance mutexes, and futex_waitv. */
#include "../case.h"
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/timerfd.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_WAIT_BITSET 9
#define FUTEX_LOCK_PI 6
#define FUTEX_UNLOCK_PI 7
#define FUTEX_TRYLOCK_PI 8
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_OWNER_DIED 0x40000000
#define FUTEX2_SIZE_U32 0x02
#define FUTEX2_PRIVATE 128
#ifndef SYS_futex_waitv
#define SYS_futex_waitv 449
#endif
#ifndef UTIME_OMIT
#define UTIME_OMIT ((1l << 30) - 2l)
#endif

struct futex_waitv {
    uint64_t val;
    uint64_t uaddr;
    uint32_t flags;
    uint32_t reserved;
};

static long futex(void *a, int op, int v, void *ts, void *a2, int v3) {
    return syscall(SYS_futex, a, op, v, ts, a2, v3);
}

/* A timespec as a program fills it field by field: whatever was in its bytes before
 * stays in the padding wasm32 has after tv_nsec (natively tv_nsec is 8 bytes). */
static struct timespec dirty(time_t s, long ns) {
    struct timespec t;
    memset(&t, 0xa5, sizeof t);
    t.tv_sec = s;
    t.tv_nsec = ns;
    return t;
}

static _Atomic int word;

/* --- robust mutexes --- */
static pthread_mutex_t rm;
static _Atomic int locked;

static void *die_holding(void *arg) {
    pthread_mutex_lock(&rm);
    locked = 1;
    if (arg) syscall(SYS_exit, 0); /* no pthread_exit: only a robust-list walk helps */
    return 0;
}

static void robust(int pshared, int raw_exit, const char *name) {
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    pthread_mutexattr_setpshared(&a, pshared);
    pthread_mutex_init(&rm, &a);
    pthread_t t;
    locked = 0;
    pthread_create(&t, 0, die_holding, raw_exit ? (void *)1 : 0);
    /* A thread gone by SYS_exit never clears musl's tid: no join, wait for the lock. */
    if (raw_exit) {
        pthread_detach(t);
        while (!locked) usleep(1000);
    } else {
        pthread_join(t, 0);
    }
    char n[64];
    snprintf(n, sizeof n, "%s.lock_owner_died", name);
    CHECK(n, pthread_mutex_lock(&rm) == EOWNERDEAD);
    snprintf(n, sizeof n, "%s.consistent", name);
    CHECK(n, pthread_mutex_consistent(&rm));
    pthread_mutex_unlock(&rm);
    snprintf(n, sizeof n, "%s.lock_again", name);
    CHECK(n, pthread_mutex_lock(&rm));
    pthread_mutex_unlock(&rm);
}

/* --- priority inheritance --- */
static pthread_mutex_t pm;
static long pi_count;
static _Atomic int holding, release;

static void *pi_adder(void *arg) {
    for (int i = 0; i < 2000; i++) {
        pthread_mutex_lock(&pm);
        pi_count++;
        pthread_mutex_unlock(&pm);
    }
    return arg;
}
static void *pi_holder(void *arg) {
    pthread_mutex_lock(&pm);
    holding = 1;
    while (!release) usleep(1000);
    pthread_mutex_unlock(&pm);
    return arg;
}

/* --- futex_waitv --- */
static _Atomic int w1, w2;
static void *wake_second(void *arg) {
    usleep(20000);
    w2 = 1;
    futex(&w2, FUTEX_WAKE | FUTEX_PRIVATE_FLAG, 1, 0, 0, 0);
    return arg;
}
static long waitv(struct futex_waitv *v, unsigned n, unsigned flags, struct timespec *t, int clk) {
    return syscall(SYS_futex_waitv, v, n, flags, t, clk);
}

int main(void) {
    /* Timeouts with garbage padding: the kernel drops it for an ILP32 caller. */
    struct timespec t = dirty(0, 1000000);
    CHECK("futex.wait_timeout", futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &t, 0, 0));
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    t = dirty(now.tv_sec, now.tv_nsec);
    CHECK("futex.wait_bitset_abs_timeout",
          futex(&word, FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG, 0, &t, 0, -1));
    t = dirty(0, -1);
    CHECK("futex.wait_bad_nsec", futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &t, 0, 0));
    t = dirty(0, 1000000000);
    CHECK("futex.wait_nsec_1e9", futex(&word, FUTEX_WAIT | FUTEX_PRIVATE_FLAG, 0, &t, 0, 0));
    t = dirty(0, 1000000);
    CHECK("nanosleep.dirty", syscall(SYS_nanosleep, &t, 0));
    CHECK("clock_nanosleep.dirty", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, &t, 0));
    int pp[2];
    pipe(pp);
    struct pollfd pfd = {.fd = pp[0], .events = POLLIN};
    CHECK("ppoll.dirty", syscall(SYS_ppoll, &pfd, 1, &t, 0, 8));
    CHECK("ppoll.left", t.tv_sec == 0 && t.tv_nsec == 0);
    sigset_t ss;
    sigemptyset(&ss);
    sigaddset(&ss, SIGUSR1);
    sigprocmask(SIG_BLOCK, &ss, 0);
    t = dirty(0, 1000000);
    CHECK("rt_sigtimedwait.dirty", syscall(SYS_rt_sigtimedwait, &ss, 0, &t, 8));
    int tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    struct itimerspec it;
    memset(&it, 0x5a, sizeof it);
    it.it_interval.tv_sec = 0;
    it.it_interval.tv_nsec = 0;
    it.it_value.tv_sec = 0;
    it.it_value.tv_nsec = 1000;
    long armed = syscall(SYS_timerfd_settime, tfd, 0, &it, 0);
    CHECK("timerfd_settime.dirty", armed);
    uint64_t ticks = 0;
    CHECK("timerfd.fired", armed == 0 && read(tfd, &ticks, 8) == 8 && ticks == 1);
    close(tfd);
    close(open("f", O_CREAT | O_WRONLY, 0644));
    struct timespec ut[2] = {dirty(1000, UTIME_OMIT), dirty(123456789, 5)};
    CHECK("utimensat.dirty", syscall(SYS_utimensat, AT_FDCWD, "f", ut, 0));
    struct stat st;
    stat("f", &st);
    CHECK("utimensat.mtime", st.st_mtim.tv_sec == 123456789 && st.st_mtim.tv_nsec == 5);

    /* Priority inheritance. */
    pthread_mutexattr_t pa;
    pthread_mutexattr_init(&pa);
    CHECK("mutexattr_setprotocol.inherit", pthread_mutexattr_setprotocol(&pa, PTHREAD_PRIO_INHERIT));
    pthread_mutex_init(&pm, &pa);
    pthread_t th[3];
    for (int i = 0; i < 3; i++) pthread_create(&th[i], 0, pi_adder, 0);
    for (int i = 0; i < 3; i++) pthread_join(th[i], 0);
    SHOW("pi.count", "%ld", pi_count);
    pthread_create(&th[0], 0, pi_holder, 0);
    while (!holding) usleep(1000);
    clock_gettime(CLOCK_REALTIME, &now);
    now.tv_nsec += 20000000;
    if (now.tv_nsec >= 1000000000) { now.tv_sec++; now.tv_nsec -= 1000000000; }
    CHECK("pi.timedlock_busy", -pthread_mutex_timedlock(&pm, &now) == -ETIMEDOUT);
    CHECK("pi.trylock_busy", pthread_mutex_trylock(&pm) == EBUSY);
    release = 1;
    pthread_join(th[0], 0);
    CHECK("pi.lock_free", pthread_mutex_lock(&pm));
    CHECK("pi.unlock", pthread_mutex_unlock(&pm));
    _Atomic int pw = 0;
    CHECK("futex.lock_pi", futex(&pw, FUTEX_LOCK_PI | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0));
    CHECK("futex.lock_pi.owner_is_tid", pw == syscall(SYS_gettid));
    CHECK("futex.trylock_pi.self", futex(&pw, FUTEX_TRYLOCK_PI | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0));
    CHECK("futex.unlock_pi", futex(&pw, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0));
    CHECK("futex.unlock_pi.word", pw);
    CHECK("futex.unlock_pi.not_owner", futex(&pw, FUTEX_UNLOCK_PI | FUTEX_PRIVATE_FLAG, 0, 0, 0, 0));

    /* futex_waitv. */
    struct futex_waitv v[2] = {
        {.val = 0, .uaddr = (uintptr_t)&w1, .flags = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE},
        {.val = 0, .uaddr = (uintptr_t)&w2, .flags = FUTEX2_SIZE_U32 | FUTEX2_PRIVATE},
    };
    clock_gettime(CLOCK_MONOTONIC, &now);
    t = dirty(now.tv_sec, now.tv_nsec);
    CHECK("futex_waitv.timeout", waitv(v, 2, 0, &t, CLOCK_MONOTONIC));
    v[1].val = 5;
    CHECK("futex_waitv.mismatch", waitv(v, 2, 0, 0, CLOCK_MONOTONIC));
    v[1].val = 0;
    pthread_create(&th[0], 0, wake_second, 0);
    CHECK("futex_waitv.woken_index", waitv(v, 2, 0, 0, CLOCK_MONOTONIC));
    pthread_join(th[0], 0);
    CHECK("futex_waitv.zero", waitv(v, 0, 0, 0, CLOCK_MONOTONIC));
    CHECK("futex_waitv.too_many", waitv(v, 129, 0, 0, CLOCK_MONOTONIC));
    CHECK("futex_waitv.bad_flags", waitv(v, 2, 1, 0, CLOCK_MONOTONIC));
    CHECK("futex_waitv.bad_array", waitv(BAD, 1, 0, 0, CLOCK_MONOTONIC));
    v[0].uaddr = (uintptr_t)BAD;
    CHECK("futex_waitv.bad_uaddr", waitv(v, 1, 0, 0, CLOCK_MONOTONIC));
    v[0].uaddr = (uintptr_t)&w1 + 1;
    CHECK("futex_waitv.misaligned", waitv(v, 1, 0, 0, CLOCK_MONOTONIC));
    /* Robust mutexes. */
    pthread_mutexattr_t a;
    pthread_mutexattr_init(&a);
    int rr = pthread_mutexattr_setrobust(&a, PTHREAD_MUTEX_ROBUST);
    CHECK("mutexattr_setrobust", rr);
    /* Without robust mutexes the cases below would wait forever for a dead owner. */
    if (rr) return 1;
    void *head = 0;
    size_t len = 0;
    CHECK("get_robust_list.self", syscall(SYS_get_robust_list, 0, &head, &len));
    CHECK("get_robust_list.len", len == 3 * sizeof(long));
    CHECK("get_robust_list.bad_ptr", syscall(SYS_get_robust_list, 0, BAD, &len));
    CHECK("set_robust_list.bad_len", syscall(SYS_set_robust_list, head, 7));
    robust(PTHREAD_PROCESS_PRIVATE, 0, "robust.private");
    robust(PTHREAD_PROCESS_SHARED, 0, "robust.shared");
    robust(PTHREAD_PROCESS_SHARED, 1, "robust.shared_raw_exit");

    /* A process-shared robust mutex in a shared file page: the child dies holding it. */
    int fd = open("shm", O_CREAT | O_RDWR, 0600);
    ftruncate(fd, 4096);
    pthread_mutex_t *sm = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    pthread_mutexattr_setpshared(&a, PTHREAD_PROCESS_SHARED);
    pthread_mutex_init(sm, &a);
    pid_t pid = fork();
    if (pid == 0) {
        pthread_mutex_lock(sm);
        _exit(0);
    }
    int status;
    waitpid(pid, &status, 0);
    CHECK("robust.process.lock_owner_died", pthread_mutex_lock(sm) == EOWNERDEAD);
    CHECK("robust.process.consistent", pthread_mutex_consistent(sm));
    CHECK("robust.process.unlock", pthread_mutex_unlock(sm));
    munmap(sm, 4096);
    close(fd);

    return 0;
}
