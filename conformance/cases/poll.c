// syscalls: poll ppoll select pselect6 epoll_create epoll_create1 epoll_ctl epoll_wait epoll_pwait eventfd eventfd2 timerfd_create timerfd_settime timerfd_gettime
// xfail: epoll_event.size the libc's struct epoll_event is 16 bytes on wasm32 (natural layout, as Rust's libc crate has it); epoll_ctl/epoll_pwait convert to and from the kernel's packed 12
#include "../case.h"
#include <poll.h>
#include <sys/syscall.h>
#include <signal.h>
#include <stdint.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/select.h>
#include <sys/timerfd.h>
#include <unistd.h>

int main(void) {
    int p[2];
    pipe(p);
    struct pollfd pf[2] = {{.fd = p[0], .events = POLLIN}, {.fd = p[1], .events = POLLOUT}};
    CHECK("poll.write_ready", poll(pf, 2, 0));
    SHOW("poll.revents", "%#x %#x", pf[0].revents, pf[1].revents);
    write(p[1], "x", 1);
    CHECK("poll.read_ready", poll(pf, 1, 0));
    SHOW("poll.read_revents", "%#x", pf[0].revents);
    struct pollfd bad = {.fd = 99, .events = POLLIN};
    CHECK("poll.nval", poll(&bad, 1, 0));
    SHOW("poll.nval_revents", "%#x", bad.revents);
    struct pollfd neg = {.fd = -1, .events = POLLIN};
    CHECK("poll.negative_fd_ignored", poll(&neg, 1, 0));
    CHECK("poll.bad_ptr", poll(BAD, 1, 0));
    CHECK("poll.timeout", poll(0, 0, 20));
    struct timespec ts = {0, 1000000};
    CHECK("ppoll.timeout", ppoll(0, 0, &ts, 0));
    CHECK("ppoll.ready", ppoll(pf, 1, &ts, 0));
    close(p[1]);
    read(p[0], (char[1]){0}, 1);
    CHECK("poll.hup", poll(pf, 1, 0));
    SHOW("poll.hup_revents", "%#x", pf[0].revents);

    int q[2];
    pipe(q);
    fd_set r, w;
    FD_ZERO(&r); FD_ZERO(&w);
    FD_SET(q[0], &r); FD_SET(q[1], &w);
    struct timeval tv = {0, 0};
    CHECK("select.write_ready", select(q[1] + 1, &r, &w, 0, &tv));
    SHOW("select.sets", "%d %d", FD_ISSET(q[0], &r), FD_ISSET(q[1], &w));
    FD_ZERO(&r);
    /* Below 64: the kernel ignores bits past the fd table, whose size depends on the
     * process (wali-run's table is larger). */
    FD_SET(60, &r);
    CHECK("select.bad_fd", select(61, &r, 0, 0, &tv));
    CHECK("select.negative_n", select(-1, 0, 0, 0, &tv));
    tv.tv_usec = 10000;
    CHECK("select.timeout", select(0, 0, 0, 0, &tv));
    FD_ZERO(&r);
    FD_SET(q[0], &r);
    write(q[1], "y", 1);
    CHECK("pselect.ready", pselect(q[0] + 1, &r, 0, 0, &ts, 0));
    sigset_t none;
    sigemptyset(&none);
    CHECK("pselect.mask", pselect(q[0] + 1, &r, 0, 0, &ts, &none));

    int ep = epoll_create1(0);
    CHECK("epoll_create1.ok", ep >= 0);
    CHECK("epoll_create1.bad_flags", epoll_create1(1));
    CHECK("epoll_create.zero", syscall(SYS_epoll_create, 0));
    CHECK("epoll_create.ok", epoll_create(1) >= 0);
    struct epoll_event ev = {.events = EPOLLIN, .data.u64 = 0x1122334455667788ULL};
    CHECK("epoll_ctl.add", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev));
    CHECK("epoll_ctl.add_again", epoll_ctl(ep, EPOLL_CTL_ADD, q[0], &ev));
    CHECK("epoll_ctl.mod_missing", epoll_ctl(ep, EPOLL_CTL_MOD, q[1], &ev));
    CHECK("epoll_ctl.self", epoll_ctl(ep, EPOLL_CTL_ADD, ep, &ev));
    CHECK("epoll_ctl.bad_fd", epoll_ctl(ep, EPOLL_CTL_ADD, 99, &ev));
    CHECK("epoll_ctl.not_epoll", epoll_ctl(q[0], EPOLL_CTL_ADD, q[1], &ev));
    struct epoll_event out[4];
    CHECK("epoll_wait.ready", epoll_wait(ep, out, 4, 0));
    SHOW("epoll_wait.data", "%#llx events=%#x", (unsigned long long)out[0].data.u64, out[0].events);
    SHOW("epoll_event.size", "%zu", sizeof(struct epoll_event));
    CHECK("epoll_wait.zero_max", epoll_wait(ep, out, 0, 0));
    CHECK("epoll_wait.bad_ptr", epoll_wait(ep, BAD, 4, 0));
    CHECK("epoll_pwait.ready", epoll_pwait(ep, out, 4, 0, &none));
    CHECK("epoll_ctl.del", epoll_ctl(ep, EPOLL_CTL_DEL, q[0], 0));
    CHECK("epoll_wait.timeout", epoll_wait(ep, out, 4, 10));

    int e = eventfd(3, 0);
    uint64_t v = 0;
    CHECK("eventfd.read", read(e, &v, 8));
    SHOW("eventfd.value", "%llu", (unsigned long long)v);
    v = 5;
    CHECK("eventfd.write", write(e, &v, 8));
    CHECK("eventfd.short_read", read(e, &v, 4));
    int en = eventfd(0, EFD_NONBLOCK | EFD_SEMAPHORE);
    CHECK("eventfd2.empty", read(en, &v, 8));
    v = 2;
    write(en, &v, 8);
    read(en, &v, 8);
    SHOW("eventfd2.semaphore", "%llu", (unsigned long long)v);
    CHECK("eventfd2.bad_flags", eventfd(0, 0x7));

    int t = timerfd_create(CLOCK_MONOTONIC, 0);
    CHECK("timerfd_create.ok", t >= 0);
    CHECK("timerfd_create.bad_clock", timerfd_create(12345, 0));
    struct itimerspec its = {{0, 0}, {0, 20000000}}, old;
    CHECK("timerfd_settime.ok", timerfd_settime(t, 0, &its, &old));
    uint64_t ticks = 0;
    CHECK("timerfd.read", read(t, &ticks, 8));
    SHOW("timerfd.ticks", "%llu", (unsigned long long)ticks);
    CHECK("timerfd_gettime.ok", timerfd_gettime(t, &old));
    SHOW("timerfd_gettime.disarmed", "%d", old.it_value.tv_sec == 0 && old.it_value.tv_nsec == 0);
    CHECK("timerfd_settime.bad_ns", timerfd_settime(t, 0, &(struct itimerspec){{0, 0}, {0, 2000000000}}, 0));
    return 0;
}
