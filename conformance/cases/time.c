// syscalls: clock_gettime clock_getres clock_nanosleep nanosleep gettimeofday times timer_create timer_settime timer_gettime timer_getoverrun timer_delete setitimer getitimer alarm
#include "../case.h"
#include <signal.h>
#include <stdint.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/times.h>
#include <time.h>
#include <unistd.h>

static int64_t ns(struct timespec t) { return (int64_t)t.tv_sec * 1000000000 + t.tv_nsec; }
static int64_t mono(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return ns(t); }
static volatile sig_atomic_t alarms;
static void on_alarm(int s) { (void)s; alarms++; }

int main(void) {
    struct timespec a, b;
    CHECK("clock_gettime.realtime", clock_gettime(CLOCK_REALTIME, &a));
    CHECK("clock_gettime.realtime_after_2024", a.tv_sec > 1704067200);
    CHECK("clock_gettime.nsec_range", a.tv_nsec >= 0 && a.tv_nsec < 1000000000);
    CHECK("clock_gettime.monotonic", clock_gettime(CLOCK_MONOTONIC, &a));
    CHECK("clock_gettime.monotonic_again", clock_gettime(CLOCK_MONOTONIC, &b));
    CHECK("clock_gettime.monotonic_nondecreasing", ns(b) >= ns(a));
    CHECK("clock_gettime.boottime", clock_gettime(CLOCK_BOOTTIME, &b));
    CHECK("clock_gettime.boot_ge_mono", ns(b) >= ns(a));
    CHECK("clock_gettime.coarse", clock_gettime(CLOCK_MONOTONIC_COARSE, &a));
    CHECK("clock_gettime.process_cputime", clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &a));
    CHECK("clock_gettime.thread_cputime", clock_gettime(CLOCK_THREAD_CPUTIME_ID, &a));
    CHECK("clock_gettime.bad_clock", syscall(SYS_clock_gettime, 99, &a));
    CHECK("clock_gettime.bad_ptr", syscall(SYS_clock_gettime, CLOCK_REALTIME, BAD));

    CHECK("clock_getres.monotonic", clock_getres(CLOCK_MONOTONIC, &a));
    SHOW("clock_getres.monotonic_value", "%ld %ld", (long)a.tv_sec, a.tv_nsec);
    CHECK("clock_getres.realtime", clock_getres(CLOCK_REALTIME, &a));
    SHOW("clock_getres.realtime_value", "%ld %ld", (long)a.tv_sec, a.tv_nsec);
    CHECK("clock_getres.null", clock_getres(CLOCK_REALTIME, 0));
    CHECK("clock_getres.bad_clock", syscall(SYS_clock_getres, 99, &a));

    struct timeval tv;
    CHECK("gettimeofday.ok", gettimeofday(&tv, 0));
    CHECK("gettimeofday.usec_range", tv.tv_usec >= 0 && tv.tv_usec < 1000000);
    clock_gettime(CLOCK_REALTIME, &a);
    CHECK("gettimeofday.agrees_realtime", a.tv_sec - tv.tv_sec <= 1);
    CHECK("gettimeofday.bad_ptr", syscall(SYS_gettimeofday, BAD, 0));

    int64_t t0 = mono();
    struct timespec req = {0, 20000000}, rem = {9, 9};
    CHECK("nanosleep.ok", nanosleep(&req, &rem));
    CHECK("nanosleep.slept_enough", mono() - t0 >= 20000000);
    req.tv_nsec = 1000000000;
    CHECK("nanosleep.bad_nsec", nanosleep(&req, 0));
    req.tv_sec = -1; req.tv_nsec = 0;
    CHECK("nanosleep.negative", nanosleep(&req, 0));
    CHECK("nanosleep.bad_ptr", syscall(SYS_nanosleep, BAD, 0));
    req.tv_sec = 0; req.tv_nsec = 0;
    CHECK("nanosleep.zero", nanosleep(&req, 0));

    clock_gettime(CLOCK_MONOTONIC, &a);
    a.tv_nsec += 15000000;
    if (a.tv_nsec >= 1000000000) { a.tv_sec++; a.tv_nsec -= 1000000000; }
    CHECK("clock_nanosleep.abstime", clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &a, 0));
    CHECK("clock_nanosleep.reached", mono() >= ns(a));
    req.tv_nsec = 5000000;
    CHECK("clock_nanosleep.relative", clock_nanosleep(CLOCK_REALTIME, 0, &req, 0));
    /* clock_nanosleep returns the error number instead of setting errno */
    CHECK("clock_nanosleep.bad_clock", -clock_nanosleep(99, 0, &req, 0));
    CHECK("clock_nanosleep.thread_cputime", -clock_nanosleep(CLOCK_THREAD_CPUTIME_ID, 0, &req, 0));

    struct tms tm;
    clock_t c = times(&tm);
    CHECK("times.ok", c != (clock_t)-1);
    CHECK("times.fields_nonneg", tm.tms_utime >= 0 && tm.tms_stime >= 0 && tm.tms_cutime >= 0);
    CHECK("times.null_buf", times(0) != (clock_t)-1);

    signal(SIGALRM, on_alarm);
    CHECK("alarm.first", alarm(10));
    CHECK("alarm.previous", alarm(0));
    CHECK("alarm.cleared", alarm(0));
    alarm(1);
    pause();
    CHECK("alarm.delivered", alarms);

    struct itimerval it = {{0, 0}, {5, 0}}, old;
    CHECK("setitimer.ok", setitimer(ITIMER_REAL, &it, 0));
    CHECK("getitimer.ok", getitimer(ITIMER_REAL, &old));
    CHECK("getitimer.remaining", old.it_value.tv_sec >= 4 && old.it_value.tv_sec <= 5);
    CHECK("getitimer.interval", old.it_interval.tv_sec);
    it.it_value.tv_sec = 0;
    CHECK("setitimer.disarm_old", setitimer(ITIMER_REAL, &it, &old));
    CHECK("setitimer.old_value", old.it_value.tv_sec >= 4);
    getitimer(ITIMER_REAL, &old);
    CHECK("getitimer.disarmed", old.it_value.tv_sec + old.it_value.tv_usec);
    CHECK("setitimer.bad_which", setitimer(9, &it, 0));
    CHECK("getitimer.bad_ptr", syscall(SYS_getitimer, ITIMER_REAL, BAD));
    it.it_value.tv_usec = 2000000;
    CHECK("setitimer.bad_usec", setitimer(ITIMER_REAL, &it, 0));
    alarms = 0;
    struct itimerval per = {{0, 10000}, {0, 10000}};
    setitimer(ITIMER_REAL, &per, 0);
    while (alarms < 3) pause();
    per.it_value.tv_usec = 0;
    setitimer(ITIMER_REAL, &per, 0);
    CHECK("setitimer.periodic_fired", alarms >= 3);

    timer_t t;
    struct sigevent sev = {.sigev_notify = SIGEV_SIGNAL, .sigev_signo = SIGALRM};
    alarms = 0;
    CHECK("timer_create.ok", timer_create(CLOCK_MONOTONIC, &sev, &t));
    struct itimerspec its = {{0, 0}, {0, 10000000}}, cur;
    CHECK("timer_settime.ok", timer_settime(t, 0, &its, 0));
    CHECK("timer_gettime.ok", timer_gettime(t, &cur));
    CHECK("timer_gettime.pending", cur.it_value.tv_sec == 0 && cur.it_value.tv_nsec > 0);
    while (!alarms) pause();
    CHECK("timer.fired", alarms);
    CHECK("timer_getoverrun.ok", timer_getoverrun(t));
    timer_gettime(t, &cur);
    CHECK("timer_gettime.expired", cur.it_value.tv_sec + cur.it_value.tv_nsec);
    its.it_value.tv_nsec = 1000000000;
    CHECK("timer_settime.bad_nsec", timer_settime(t, 0, &its, 0));
    CHECK("timer_delete.ok", timer_delete(t));
    CHECK("timer_create.bad_clock", syscall(SYS_timer_create, 99, 0, &t));
    struct sigevent none = {.sigev_notify = SIGEV_NONE};
    CHECK("timer_create.sigev_none", timer_create(CLOCK_REALTIME, &none, &t));
    its.it_value.tv_sec = 100; its.it_value.tv_nsec = 0;
    timer_settime(t, 0, &its, 0);
    timer_gettime(t, &cur);
    CHECK("timer_gettime.sigev_none_armed", cur.it_value.tv_sec >= 99);
    CHECK("timer_delete.again_ok", timer_delete(t));
    return 0;
}
