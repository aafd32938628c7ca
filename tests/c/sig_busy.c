// A handler interrupts a busy loop that makes no syscalls (SIGALRM from setitimer),
// then SA_RESETHAND gives the default back; sigprocmask holds a signal pending until
// it is unblocked.
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t hits;
static void on_alarm(int sig) { hits += sig == SIGALRM; }
static void on_usr1(int sig) { (void)sig; hits += 100; }

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_alarm;
    sigaction(SIGALRM, &sa, 0);
    struct itimerval it = {{0, 0}, {0, 50000}};
    setitimer(ITIMER_REAL, &it, 0);
    volatile unsigned long spins = 0;
    while (!hits) spins++;
    printf("busy loop interrupted: hits=%d, spun=%s\n", (int)hits, spins > 0 ? "yes" : "no");

    sa.sa_handler = on_usr1;
    sa.sa_flags = SA_RESETHAND;
    sigaction(SIGUSR1, &sa, 0);
    sigset_t s, pend;
    sigemptyset(&s);
    sigaddset(&s, SIGUSR1);
    sigprocmask(SIG_BLOCK, &s, 0);
    raise(SIGUSR1);
    sigpending(&pend);
    printf("blocked: hits=%d pending=%d\n", (int)hits, sigismember(&pend, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &s, 0);
    printf("unblocked: hits=%d\n", (int)hits);
    sigaction(SIGUSR1, 0, &sa);
    printf("after SA_RESETHAND the handler is %s\n", sa.sa_handler == SIG_DFL ? "SIG_DFL" : "still set");
    signal(SIGUSR2, SIG_IGN);
    raise(SIGUSR2);
    printf("ignored SIGUSR2 survived\n");
    return 0;
}
