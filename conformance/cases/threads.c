// syscalls: futex set_tid_address set_robust_list gettid sched_yield exit membarrier
#include "../case.h"
#include <limits.h>
#include <pthread.h>
#include <semaphore.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* <linux/futex.h> is not in musl-gcc's include path. */
#define FUTEX_WAIT 0
#define FUTEX_WAKE 1
#define FUTEX_REQUEUE 3
#define FUTEX_CMP_REQUEUE 4
#define FUTEX_WAIT_BITSET 9
#define FUTEX_PRIVATE_FLAG 128
#define FUTEX_WAIT_PRIVATE (FUTEX_WAIT | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAKE_PRIVATE (FUTEX_WAKE | FUTEX_PRIVATE_FLAG)
#define FUTEX_REQUEUE_PRIVATE (FUTEX_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_CMP_REQUEUE_PRIVATE (FUTEX_CMP_REQUEUE | FUTEX_PRIVATE_FLAG)
#define FUTEX_WAIT_BITSET_PRIVATE (FUTEX_WAIT_BITSET | FUTEX_PRIVATE_FLAG)
#define FUTEX_BITSET_MATCH_ANY 0xffffffff

static long futex(void *a, int op, int v, void *ts, void *a2, int v3) {
    return syscall(SYS_futex, a, op, v, ts, a2, v3);
}

static _Atomic int word, woke, started;
static int counter;
static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static pthread_barrier_t bar;
static __thread int tls = 7;
static sem_t sem;

static void *waiter(void *arg) {
    (void)arg;
    started++;
    long r = futex(&word, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0);
    if (r == 0) woke++;
    return (void *)r;
}
static void *adder(void *arg) {
    for (int i = 0; i < 10000; i++) {
        pthread_mutex_lock(&mu);
        counter++;
        pthread_mutex_unlock(&mu);
    }
    return arg;
}
static void *tls_thread(void *arg) {
    (void)arg;
    int before = tls;
    tls = 99;
    return (void *)(intptr_t)(before * 1000 + tls);
}
static void *tid_thread(void *arg) {
    (void)arg;
    return (void *)(intptr_t)(syscall(SYS_gettid) != getpid());
}
static void *barrier_thread(void *arg) {
    return (void *)(intptr_t)(pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD) + (intptr_t)arg * 0;
}
static void *cond_thread(void *arg) {
    (void)arg;
    pthread_mutex_lock(&mu);
    counter = -1;
    pthread_cond_signal(&cv);
    pthread_mutex_unlock(&mu);
    return 0;
}
static void *sem_thread(void *arg) {
    (void)arg;
    sem_post(&sem);
    return 0;
}
static void *exit_thread(void *arg) {
    (void)arg;
    pthread_exit((void *)1234);
}
static void *cancel_thread(void *arg) {
    (void)arg;
    for (;;) pause();
}
static _Atomic int detached_ran;
static void *detached(void *arg) { (void)arg; detached_ran = 1; return 0; }

/* A thread that leaves state behind (a blocked signal pending for it alone, an
 * alternate stack, a name, a robust list, a handler's side effect), then one that reports
 * what it starts with: a new thread's, whatever the runtime reuses underneath. */
static _Atomic int usr1_ran;
static void on_usr1(int s) { (void)s; usr1_ran++; }
static char altbuf[1 << 16];
static void *dirty_thread(void *arg) {
    (void)arg;
    sigset_t s;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    pthread_sigmask(SIG_BLOCK, &s, 0);
    syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1);
    stack_t ss = {.ss_sp = altbuf, .ss_size = sizeof altbuf, .ss_flags = 0};
    sigaltstack(&ss, 0);
    prctl(PR_SET_NAME, "dirty-thread");
    static struct { void *next; long off; void *pending; } head;
    head.next = &head;
    syscall(SYS_set_robust_list, &head, sizeof head);
    return 0;
}
static void *clean_thread(void *arg) {
    (void)arg;
    sigset_t m, p;
    pthread_sigmask(SIG_BLOCK, 0, &m);
    sigpending(&p);
    stack_t ss;
    sigaltstack(0, &ss);
    char name[17] = {0};
    prctl(PR_GET_NAME, name);
    void *head = (void *)1;
    size_t len = 0;
    syscall(SYS_get_robust_list, 0, &head, &len);
    long r = sigismember(&p, SIGUSR1)             /* 1: the old thread's signal */
        | sigismember(&m, SIGUSR1) << 1           /* 2: the old thread's mask */
        | !sigismember(&m, SIGUSR2) << 2          /* 4: not the creator's mask */
        | !(ss.ss_flags & SS_DISABLE) << 3        /* 8: the old alternate stack */
        | !strcmp(name, "dirty-thread") << 4      /* 16: the old name */
        | (head != 0) << 5                        /* 32: the old robust list */
        | (usr1_ran != 0) << 6;                   /* 64: the old signal ran here */
    return (void *)r;
}

int main(void) {
    struct timespec ts = {0, 10000000};
    CHECK("futex.wait_value_mismatch", futex(&word, FUTEX_WAIT_PRIVATE, 1, 0, 0, 0));
    CHECK("futex.wait_timeout", futex(&word, FUTEX_WAIT_PRIVATE, 0, &ts, 0, 0));
    CHECK("futex.wake_nobody", futex(&word, FUTEX_WAKE_PRIVATE, 1, 0, 0, 0));
    CHECK("futex.bad_op", futex(&word, 99, 0, 0, 0, 0));
    CHECK("futex.bad_addr", futex(BAD, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0));
    CHECK("futex.unaligned", futex((char *)&word + 1, FUTEX_WAIT_PRIVATE, 0, 0, 0, 0));
    struct timespec badts = {0, 2000000000};
    CHECK("futex.bad_timeout", futex(&word, FUTEX_WAIT_PRIVATE, 0, &badts, 0, 0));
    CHECK("futex.shared_wait_timeout", futex(&word, FUTEX_WAIT, 0, &ts, 0, 0));
    struct timespec abs;
    clock_gettime(CLOCK_MONOTONIC, &abs);
    abs.tv_nsec += 5000000;
    if (abs.tv_nsec >= 1000000000) { abs.tv_sec++; abs.tv_nsec -= 1000000000; }
    CHECK("futex.wait_bitset_abs_timeout", futex(&word, FUTEX_WAIT_BITSET_PRIVATE, 0, &abs, 0, FUTEX_BITSET_MATCH_ANY));

    pthread_t t[4];
    for (int i = 0; i < 3; i++) pthread_create(&t[i], 0, waiter, 0);
    while (started < 3) sched_yield();
    long n = 0;
    for (int tries = 0; tries < 200 && n < 3; tries++) {
        struct timespec s = {0, 2000000};
        nanosleep(&s, 0);
        word = 1;
        n += futex(&word, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0);
    }
    for (int i = 0; i < 3; i++) pthread_join(t[i], 0);
    CHECK("futex.wake_all", n);
    CHECK("futex.woken_count", woke);

    _Atomic int w2 = 0, target = 0;
    started = 0; woke = 0;
    word = 0;
    for (int i = 0; i < 2; i++) pthread_create(&t[i], 0, waiter, 0);
    while (started < 2) sched_yield();
    long moved = 0;
    for (int tries = 0; tries < 200 && moved < 2; tries++) {
        struct timespec s = {0, 2000000};
        nanosleep(&s, 0);
        moved += futex(&word, FUTEX_REQUEUE_PRIVATE, 0, (void *)(intptr_t)INT_MAX, &target, 0);
    }
    CHECK("futex.requeue_moved", moved);
    CHECK("futex.requeued_wake", futex(&target, FUTEX_WAKE_PRIVATE, INT_MAX, 0, 0, 0));
    word = 1;
    for (int i = 0; i < 2; i++) pthread_join(t[i], 0);
    CHECK("futex.cmp_requeue_mismatch", futex(&w2, FUTEX_CMP_REQUEUE_PRIVATE, 0, (void *)1, &target, 5));

    for (int i = 0; i < 4; i++) pthread_create(&t[i], 0, adder, 0);
    for (int i = 0; i < 4; i++) pthread_join(t[i], 0);
    CHECK("mutex.counter", counter);

    void *ret;
    pthread_create(&t[0], 0, tls_thread, 0);
    pthread_join(t[0], &ret);
    CHECK("tls.thread_sees_initial_then_own", (intptr_t)ret);
    CHECK("tls.main_unchanged", tls);
    pthread_create(&t[0], 0, tid_thread, 0);
    pthread_join(t[0], &ret);
    CHECK("gettid.thread_differs", (intptr_t)ret);

    pthread_barrier_init(&bar, 0, 3);
    for (int i = 0; i < 2; i++) pthread_create(&t[i], 0, barrier_thread, 0);
    int serial = pthread_barrier_wait(&bar) == PTHREAD_BARRIER_SERIAL_THREAD;
    for (int i = 0; i < 2; i++) { pthread_join(t[i], &ret); serial += (intptr_t)ret; }
    CHECK("barrier.one_serial", serial);

    pthread_mutex_lock(&mu);
    counter = 0;
    pthread_create(&t[0], 0, cond_thread, 0);
    while (counter != -1) pthread_cond_wait(&cv, &mu);
    pthread_mutex_unlock(&mu);
    pthread_join(t[0], 0);
    CHECK("cond.signalled", counter);
    pthread_mutex_lock(&mu);
    struct timespec dl;
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 10000000;
    if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
    int tw = pthread_cond_timedwait(&cv, &mu, &dl);
    pthread_mutex_unlock(&mu);
    CHECK("cond.timedwait_timeout", -tw);

    sem_init(&sem, 0, 0);
    CHECK("sem.trywait_empty", sem_trywait(&sem));
    pthread_create(&t[0], 0, sem_thread, 0);
    CHECK("sem.wait", sem_wait(&sem));
    pthread_join(t[0], 0);
    clock_gettime(CLOCK_REALTIME, &dl);
    dl.tv_nsec += 10000000;
    if (dl.tv_nsec >= 1000000000) { dl.tv_sec++; dl.tv_nsec -= 1000000000; }
    CHECK("sem.timedwait_timeout", sem_timedwait(&sem, &dl));

    pthread_create(&t[0], 0, exit_thread, 0);
    pthread_join(t[0], &ret);
    CHECK("exit.thread_value", (intptr_t)ret);
    pthread_create(&t[0], 0, cancel_thread, 0);
    CHECK("cancel.ok", -pthread_cancel(t[0]));
    pthread_join(t[0], &ret);
    CHECK("cancel.canceled", ret == PTHREAD_CANCELED);
    pthread_attr_t at;
    pthread_attr_init(&at);
    pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
    pthread_create(&t[0], &at, detached, 0);
    while (!detached_ran) sched_yield();
    CHECK("detached.ran", detached_ran);

    pthread_rwlock_t rw = PTHREAD_RWLOCK_INITIALIZER;
    CHECK("rwlock.rdlock", -pthread_rwlock_rdlock(&rw));
    CHECK("rwlock.second_reader", -pthread_rwlock_tryrdlock(&rw));
    CHECK("rwlock.writer_busy", -pthread_rwlock_trywrlock(&rw));
    pthread_rwlock_unlock(&rw); pthread_rwlock_unlock(&rw);
    CHECK("rwlock.writer_free", -pthread_rwlock_trywrlock(&rw));

    signal(SIGUSR1, on_usr1);
    sigset_t usr2, old;
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    pthread_sigmask(SIG_BLOCK, &usr2, &old);
    long leaks = 0;
    for (int i = 0; i < 4; i++) {
        pthread_create(&t[0], 0, dirty_thread, 0);
        pthread_join(t[0], 0);
        pthread_create(&t[0], 0, clean_thread, 0);
        pthread_join(t[0], &ret);
        leaks |= (intptr_t)ret;
    }
    pthread_sigmask(SIG_SETMASK, &old, 0);
    signal(SIGUSR1, SIG_DFL);
    CHECK("threads.new_state_after_exited_ones", leaks);

    int tidword;
    CHECK("set_tid_address.returns_tid", syscall(SYS_set_tid_address, &tidword) == syscall(SYS_gettid));
    struct { void *next; long off; void *pending; } head = {&head, 0, 0};
    CHECK("set_robust_list.ok", syscall(SYS_set_robust_list, &head, sizeof head));
    CHECK("set_robust_list.bad_len", syscall(SYS_set_robust_list, &head, 1));
    CHECK("sched_yield.ok", sched_yield());
    CHECK("membarrier.query", syscall(SYS_membarrier, 0, 0) >= 0);
    CHECK("membarrier.bad_cmd", syscall(SYS_membarrier, 0x4000, 0));
    return 0;
}
