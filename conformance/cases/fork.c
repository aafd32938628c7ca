// syscalls: fork rt_sigpending rt_sigprocmask tgkill setitimer getitimer alarm timer_create timer_settime timer_gettime mmap munmap wait4
/* What a forked child does not inherit (fork(2)): signals pending in the parent, its
 * timers, and any lock another thread of the parent held at the moment of fork. Every
 * loop is bounded, and a child that goes wrong exits at once: a child that re-runs the
 * parent's queued handlers reports it and exits instead of forking again. */
#include "../case.h"
#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define QUEUED 100
#define LOCK_FORKS 40

static pid_t parent;
static volatile int handled;
static int report[2];

/* Child: 'P' = saw a signal pending, 'O' = clean. A handler run in a child writes 'H'
 * and exits 1 without forking (bounded even when the runtime is wrong). */
static void on_rt(int sig) {
    if (getpid() != parent) {
        (void)!write(report[1], "H", 1);
        _exit(1);
    }
    handled++;
    pid_t c = fork();
    if (c == 0) {
        sigset_t p;
        sigemptyset(&p);
        sigpending(&p);
        int any = 0;
        for (int s = 1; s < 65; s++)
            if (sigismember(&p, s) == 1) any = 1;
        /* Let the signal in (the handler blocks it): a queued instance would run now. */
        sigset_t rt;
        sigemptyset(&rt);
        sigaddset(&rt, sig);
        sigprocmask(SIG_UNBLOCK, &rt, 0);
        (void)!write(report[1], any ? "P" : "O", 1);
        _exit(0);
    }
    if (c > 0) waitpid(c, 0, 0);
}

static int go[2] = {-1, -1};

static void *sender(void *arg) {
    pthread_t main_thread = *(pthread_t *)arg;
    char b;
    if (go[0] >= 0 && read(go[0], &b, 1) != 1) return 0;
    for (int i = 0; i < QUEUED; i++) pthread_kill(main_thread, SIGRTMIN + 1);
    return 0;
}

static void queued_signals(void) {
    parent = getpid();
    if (pipe(report)) return;
    signal(SIGRTMIN + 1, on_rt);
    sigset_t rt, old;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN + 1);
    /* Queue them all while blocked, then let them in: the handler forks with the rest
     * still queued for this thread. */
    sigprocmask(SIG_BLOCK, &rt, &old);
    pthread_t self = pthread_self(), t;
    pthread_create(&t, 0, sender, &self);
    pthread_join(t, 0);
    sigprocmask(SIG_SETMASK, &old, 0);
    close(report[1]);
    int clean = 0, pending = 0, reran = 0;
    char b;
    while (read(report[0], &b, 1) == 1) {
        clean += b == 'O';
        pending += b == 'P';
        reran += b == 'H';
    }
    close(report[0]);
    signal(SIGRTMIN + 1, SIG_DFL);
    SHOW("fork.queued.parent_handler_runs", "%d", handled);
    SHOW("fork.queued.children_clean", "%d", clean);
    SHOW("fork.queued.children_saw_pending", "%d", pending);
    SHOW("fork.queued.children_ran_parent_handlers", "%d", reran);
}

/* The scenario that brought a machine down: a thread sends another 100 SIGRTMIN+1 while
 * that one waits to join it, unblocked; the handler forks, each child exits. */
static void unblocked(void) {
    handled = 0;
    parent = getpid();
    if (pipe(report)) return;
    signal(SIGRTMIN + 1, on_rt);
    /* The sender starts sending only once pthread_create has returned: a handler that
     * forks inside pthread_create (musl holds its thread-creation lock there, and
     * fork takes it) deadlocks natively too, and under wali-run the new thread runs
     * long before its creator is back (a race of this test, not of the runtime). */
    if (pipe(go)) return;
    pthread_t self = pthread_self(), t;
    pthread_create(&t, 0, sender, &self);
    (void)!write(go[1], "g", 1);
    pthread_join(t, 0);
    close(go[0]);
    close(go[1]);
    go[0] = go[1] = -1;
    for (int i = 0; i < 10; i++) getppid(); /* anything still queued runs by now */
    close(report[1]);
    int clean = 0, other = 0;
    char b;
    while (read(report[0], &b, 1) == 1) {
        clean += b == 'O';
        other += b != 'O';
    }
    close(report[0]);
    signal(SIGRTMIN + 1, SIG_DFL);
    SHOW("fork.unblocked.parent_handler_runs", "%d", handled);
    SHOW("fork.unblocked.children_clean", "%d", clean);
    SHOW("fork.unblocked.children_not_clean", "%d", other);
}

/* A thread keeps mapping and unmapping (the runtime's address-space lock is held for
 * most of each call) while the main thread forks; each child maps and unmaps too. A
 * child stuck on a lock nobody will release is killed by its own watchdog timer. */
static volatile int stop;

static void *mapper(void *arg) {
    (void)arg;
    for (int i = 0; i < 1000000 && !stop; i++) {
        char *p = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p != MAP_FAILED) {
            p[0] = 1;
            munmap(p, 1 << 20);
        }
    }
    return 0;
}

static void lock_held(void) {
    pthread_t t;
    pthread_create(&t, 0, mapper, 0);
    int ok = 0, stuck = 0;
    for (int i = 0; i < LOCK_FORKS; i++) {
        pid_t c = fork();
        if (c == 0) {
            alarm(2);
            char *p = mmap(0, 1 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
            if (p == MAP_FAILED) _exit(2);
            p[100] = 7;
            _exit(munmap(p, 1 << 20) == 0 && p != 0 ? 0 : 3);
        }
        int st = 0;
        if (c > 0 && waitpid(c, &st, 0) == c) {
            if (WIFEXITED(st) && WEXITSTATUS(st) == 0) ok++;
            else stuck++;
        }
        usleep(1000);
    }
    stop = 1;
    pthread_join(t, 0);
    SHOW("fork.lock_held.children_ok", "%d", ok);
    SHOW("fork.lock_held.children_failed", "%d", stuck);
}

/* Timers: the child starts with no itimer, alarm or POSIX timer of the parent's. */
static volatile int alarms;
static void on_alarm(int s) { (void)s; alarms++; }

static void timers(void) {
    signal(SIGALRM, on_alarm);
    struct itimerval it = {{0, 0}, {0, 300000}};
    CHECK("fork.timers.setitimer", setitimer(ITIMER_REAL, &it, 0));
    struct itimerval prof = {{0, 0}, {5, 0}};
    CHECK("fork.timers.setitimer_virtual", setitimer(ITIMER_VIRTUAL, &prof, 0));
    timer_t tid;
    struct sigevent ev = {0};
    ev.sigev_notify = SIGEV_SIGNAL;
    ev.sigev_signo = SIGALRM;
    CHECK("fork.timers.timer_create", timer_create(CLOCK_MONOTONIC, &ev, &tid));
    struct itimerspec ts = {{0, 0}, {0, 350000000}};
    CHECK("fork.timers.timer_settime", timer_settime(tid, 0, &ts, 0));
    int p[2];
    if (pipe(p)) return;
    pid_t c = fork();
    if (c == 0) {
        close(p[0]);
        struct itimerval cur;
        getitimer(ITIMER_REAL, &cur);
        int real = cur.it_value.tv_sec || cur.it_value.tv_usec;
        getitimer(ITIMER_VIRTUAL, &cur);
        int virt = cur.it_value.tv_sec || cur.it_value.tv_usec;
        int left = alarm(0);
        struct timespec nap = {0, 600000000};
        while (nanosleep(&nap, &nap) && nap.tv_nsec) {}
        char out[64];
        int n = snprintf(out, sizeof out, "%d %d %d %d", real, virt, left, alarms);
        (void)!write(p[1], out, n);
        _exit(0);
    }
    close(p[1]);
    char in[64] = {0};
    int n = 0, r;
    while ((r = read(p[0], in + n, sizeof in - 1 - n)) > 0 || (r < 0 && errno == EINTR))
        if (r > 0) n += r;
    close(p[0]);
    waitpid(c, 0, 0);
    int real = -1, virt = -1, left = -1, got = -1;
    sscanf(in, "%d %d %d %d", &real, &virt, &left, &got);
    SHOW("fork.timers.child_itimer_real", "%d", real);
    SHOW("fork.timers.child_itimer_virtual", "%d", virt);
    SHOW("fork.timers.child_alarm_left", "%d", left);
    SHOW("fork.timers.child_sigalrm", "%d", got);
    struct itimerspec cur;
    /* Parent's timers survive. */
    CHECK("fork.timers.parent_timer_gettime", timer_gettime(tid, &cur));
    timer_delete(tid);
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
    setitimer(ITIMER_VIRTUAL, &off, 0);
    signal(SIGALRM, SIG_DFL);
}

/* Threads that ended before a fork (the runtime may keep their OS threads for reuse):
 * the child has none of them, and makes and joins its own, as does the parent after. */
static void *plus_one(void *a) { return (void *)((long)a + 1); }
static void threads_before_fork(void) {
    pthread_t t;
    void *r;
    for (int i = 0; i < 3; i++) {
        pthread_create(&t, 0, plus_one, (void *)(long)i);
        pthread_join(t, &r);
    }
    pid_t p = fork();
    if (p == 0) {
        long s = 0;
        for (int i = 0; i < 3; i++) {
            if (pthread_create(&t, 0, plus_one, (void *)(long)i)) _exit(2);
            pthread_join(t, &r);
            s += (long)r;
        }
        _exit(s == 6 ? 0 : 1);
    }
    int st = -1;
    waitpid(p, &st, 0);
    CHECK("fork.child_threads_after_ended_ones", WIFEXITED(st) ? WEXITSTATUS(st) : 100 + WTERMSIG(st));
    pthread_create(&t, 0, plus_one, (void *)41);
    pthread_join(t, &r);
    CHECK("fork.parent_thread_after_fork", (long)r);
}

int main(void) {
    threads_before_fork();
    queued_signals();
    unblocked();
    lock_held();
    timers();
    return 0;
}
