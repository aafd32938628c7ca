// syscalls: nanosleep clock_nanosleep poll select ppoll pselect6 epoll_wait epoll_pwait setitimer rt_sigaction rt_sigprocmask
/* Sleeps and waits a guest signal interrupts: EINTR after the handler ran, the time
 * left where the call reports it, never a restart (not even under SA_RESTART, as
 * signal(7) says for these calls); and the masks ppoll, pselect6 and epoll_pwait apply
 * atomically for the call: a blocked pending signal they unblock interrupts them at
 * once, one they block waits until the call returns and then runs before its result is
 * seen. */
#include "../case.h"
#include <poll.h>
#include <signal.h>
#include <sys/epoll.h>
#include <sys/select.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static int r, e, seen;
/* Make a call and note its result, errno and the handler count right after it, before
 * any other call (printing is one) gives a pending handler its chance. */
#define CALL(expr) (errno = 0, r = (expr), e = errno, seen = hits)
#define RESULT(name) do { \
    if (r < 0) printf("%s: %d %s\n", (name), r, errname(e)); \
    else printf("%s: %d\n", (name), r); \
    fflush(stdout); \
} while (0)
static void h(int s) { (void)s; hits++; }
static void arm(long us) {
    struct itimerval it = {{0, 0}, {0, us}};
    setitimer(ITIMER_REAL, &it, 0);
}
static void on_alarm(int flags) {
    struct sigaction sa = {0};
    sa.sa_handler = h;
    sa.sa_flags = flags;
    sigaction(SIGALRM, &sa, 0);
}

static void interrupted(const char *mode) {
    char n[64];
    struct timespec req = {2, 0}, rem = {0, 0};
#define NAME(s) (snprintf(n, sizeof n, "%s.%s", s, mode), n)
    hits = 0; arm(30000);
    CALL(nanosleep(&req, &rem));
    RESULT(NAME("nanosleep.eintr"));
    CHECK(NAME("nanosleep.handler_ran"), seen);
    CHECK(NAME("nanosleep.rem_left"), rem.tv_sec == 1 && rem.tv_nsec > 0);
    rem.tv_sec = rem.tv_nsec = 0;
    hits = 0; arm(30000);
    CALL(clock_nanosleep(CLOCK_MONOTONIC, 0, &req, &rem));
    RESULT(NAME("clock_nanosleep.eintr"));
    CHECK(NAME("clock_nanosleep.handler_ran"), seen);
    CHECK(NAME("clock_nanosleep.rem_left"), rem.tv_sec == 1 && rem.tv_nsec > 0);
    struct timespec until;
    clock_gettime(CLOCK_MONOTONIC, &until);
    until.tv_sec += 2;
    rem.tv_sec = 7; rem.tv_nsec = 0;
    hits = 0; arm(30000);
    CALL(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &until, &rem));
    RESULT(NAME("clock_nanosleep.abstime_eintr"));
    CHECK(NAME("clock_nanosleep.abstime_handler_ran"), seen);
    CHECK(NAME("clock_nanosleep.abstime_rem_untouched"), rem.tv_sec);
    hits = 0; arm(30000);
    CALL(poll(0, 0, 2000));
    RESULT(NAME("poll.eintr"));
    CHECK(NAME("poll.handler_ran"), seen);
    struct timeval tv = {2, 0};
    hits = 0; arm(30000);
    CALL(syscall(SYS_select, 0, 0, 0, 0, &tv));
    RESULT(NAME("select.eintr"));
    CHECK(NAME("select.handler_ran"), seen);
    CHECK(NAME("select.time_left"), tv.tv_sec == 1 && tv.tv_usec > 0);
    struct timespec ts = {2, 0};
    hits = 0; arm(30000);
    CALL(syscall(SYS_ppoll, 0, 0, &ts, 0, 8));
    RESULT(NAME("ppoll.eintr"));
    CHECK(NAME("ppoll.handler_ran"), seen);
    CHECK(NAME("ppoll.time_left"), ts.tv_sec == 1 && ts.tv_nsec > 0);
    ts.tv_sec = 2; ts.tv_nsec = 0;
    hits = 0; arm(30000);
    CALL(pselect(0, 0, 0, 0, &ts, 0));
    RESULT(NAME("pselect.eintr"));
    CHECK(NAME("pselect.handler_ran"), seen);
    int ep = epoll_create1(0);
    struct epoll_event ev;
    hits = 0; arm(30000);
    CALL(epoll_wait(ep, &ev, 1, 2000));
    RESULT(NAME("epoll_wait.eintr"));
    CHECK(NAME("epoll_wait.handler_ran"), seen);
    close(ep);
#undef NAME
}

int main(void) {
    on_alarm(0);
    interrupted("plain");
    on_alarm(SA_RESTART);
    interrupted("sa_restart");
    on_alarm(0);

    sigset_t blk, none, cur;
    sigemptyset(&blk);
    sigaddset(&blk, SIGALRM);
    sigemptyset(&none);
    struct timespec ts;

    /* A pending blocked signal the call's mask lets in: EINTR at once, the handler ran,
     * and the old mask is back. */
    sigprocmask(SIG_BLOCK, &blk, 0);
    hits = 0;
    raise(SIGALRM);
    CHECK("blocked.pending_not_run", hits);
    ts.tv_sec = 2; ts.tv_nsec = 0;
    CALL(ppoll(0, 0, &ts, &none));
    RESULT("ppoll.mask_lets_in");
    CHECK("ppoll.mask_lets_in_ran", seen);
    sigprocmask(SIG_BLOCK, 0, &cur);
    CHECK("ppoll.mask_restored", sigismember(&cur, SIGALRM));
    hits = 0;
    raise(SIGALRM);
    ts.tv_sec = 2; ts.tv_nsec = 0;
    CALL(pselect(0, 0, 0, 0, &ts, &none));
    RESULT("pselect.mask_lets_in");
    CHECK("pselect.mask_lets_in_ran", seen);
    sigprocmask(SIG_BLOCK, 0, &cur);
    CHECK("pselect.mask_restored", sigismember(&cur, SIGALRM));
    hits = 0;
    raise(SIGALRM);
    int ep = epoll_create1(0);
    struct epoll_event ev;
    CALL(epoll_pwait(ep, &ev, 1, 2000, &none));
    RESULT("epoll_pwait.mask_lets_in");
    CHECK("epoll_pwait.mask_lets_in_ran", seen);
    sigprocmask(SIG_BLOCK, 0, &cur);
    CHECK("epoll_pwait.mask_restored", sigismember(&cur, SIGALRM));
    sigprocmask(SIG_UNBLOCK, &blk, 0);

    /* A signal the call's mask blocks: the call times out, then the handler runs before
     * the result is seen (the old mask lets it in). */
    hits = 0; arm(20000);
    ts.tv_sec = 0; ts.tv_nsec = 100000000;
    CALL(ppoll(0, 0, &ts, &blk));
    RESULT("ppoll.mask_keeps_out");
    CHECK("ppoll.mask_keeps_out_ran_after", seen);
    hits = 0; arm(20000);
    ts.tv_sec = 0; ts.tv_nsec = 100000000;
    CALL(pselect(0, 0, 0, 0, &ts, &blk));
    RESULT("pselect.mask_keeps_out");
    CHECK("pselect.mask_keeps_out_ran_after", seen);
    hits = 0; arm(20000);
    CALL(epoll_pwait(ep, &ev, 1, 100, &blk));
    RESULT("epoll_pwait.mask_keeps_out");
    CHECK("epoll_pwait.mask_keeps_out_ran_after", seen);
    close(ep);
    return 0;
}
