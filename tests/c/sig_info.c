// An SA_SIGINFO handler sees si_signo, si_code and si_pid; sigsuspend waits for it;
// sigaltstack gives an SA_ONSTACK handler its own stack.
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

static volatile int got_sig, got_code, pid_ok, on_alt;
static char *alt;
static void handler(int sig, siginfo_t *si, void *uc) {
    (void)uc;
    got_sig = si->si_signo == sig ? sig : -1;
    got_code = si->si_code;
    pid_ok = si->si_pid == getpid();
    char here;
    on_alt = &here >= alt && &here < alt + 65536;
}

int main(void) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = handler;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR1, &sa, 0);
    kill(getpid(), SIGUSR1);
    printf("kill: signo=%d code=%s pid matches=%d\n", got_sig, got_code == SI_USER ? "SI_USER" : "other", pid_ok);

    sigset_t block, wait_mask;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigprocmask(SIG_BLOCK, &block, 0);
    got_sig = 0;
    kill(getpid(), SIGUSR1);
    printf("blocked: handler ran=%d\n", got_sig != 0);
    sigemptyset(&wait_mask);
    int r = sigsuspend(&wait_mask);
    printf("sigsuspend returned %d, handler ran=%d\n", r, got_sig != 0);
    sigset_t now;
    sigprocmask(SIG_SETMASK, 0, &now);
    printf("mask restored: %d\n", sigismember(&now, SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &block, 0);

    alt = malloc(65536);
    stack_t ss = {.ss_sp = alt, .ss_size = 65536, .ss_flags = 0};
    sigaltstack(&ss, 0);
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigaction(SIGUSR2, &sa, 0);
    raise(SIGUSR2);
    printf("raise: signo=%d code=%s on alternate stack=%d\n", got_sig, got_code == SI_TKILL ? "SI_TKILL" : "other", on_alt);
    return 0;
}
