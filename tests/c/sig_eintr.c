// SIGALRM interrupts a read on an empty pipe: EINTR without SA_RESTART; with
// SA_RESTART the read is restarted and gets the data a second alarm's handler writes.
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static int p[2];
static volatile sig_atomic_t hits;
static void on_alarm(int sig) { (void)sig; hits++; }
static void on_alarm_write(int sig) { (void)sig; hits++; write(p[1], "x", 1); }

int main(void) {
    pipe(p);
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    alarm(1);
    char c;
    ssize_t r = read(p[0], &c, 1);
    printf("read: %zd (%s), handler ran %d\n", r, r < 0 ? strerror(errno) : "data", (int)hits);

    sa.sa_handler = on_alarm_write;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, 0);
    alarm(1);
    r = read(p[0], &c, 1);
    printf("restarted read: %zd '%c', handler ran %d\n", r, r == 1 ? c : '?', (int)hits);

    struct timespec ts = {5, 0}, rem;
    sa.sa_handler = on_alarm;
    sa.sa_flags = SA_RESTART;
    sigaction(SIGALRM, &sa, 0);
    alarm(1);
    int n = nanosleep(&ts, &rem);
    printf("nanosleep: %d (%s), remaining > 2s: %s\n", n, n ? strerror(errno) : "ok", rem.tv_sec >= 2 ? "yes" : "no");
    return 0;
}
