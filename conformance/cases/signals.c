// syscalls: rt_sigqueueinfo rt_tgsigqueueinfo rt_sigaction rt_sigprocmask rt_sigpending rt_sigsuspend rt_sigtimedwait rt_sigreturn sigaltstack kill tkill tgkill pause signalfd signalfd4
#include "../case.h"
#include <signal.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <unistd.h>

static volatile sig_atomic_t last_value, raises, hits, last_sig, last_code, last_pid_ok, depth, max_depth, on_alt;
static char altstack[65536];

static void h(int s) { hits++; last_sig = s; }
static void hinfo(int s, siginfo_t *si, void *uc) {
    (void)uc;
    hits++;
    last_sig = s;
    last_code = si->si_code;
    last_pid_ok = si->si_pid == getpid();
    last_value = si->si_code == SI_QUEUE ? si->si_value.sival_int : -1;
}
static void nested(int s) {
    depth++;
    if (depth > max_depth) max_depth = depth;
    if (raises < 2) { raises++; raise(s); }
    depth--;
}
static void altcheck(int s) {
    (void)s;
    char here;
    on_alt = &here >= altstack && &here < altstack + sizeof altstack;
}

int main(void) {
    struct sigaction sa = {0}, old;
    sa.sa_handler = h;
    CHECK("rt_sigaction.install", sigaction(SIGUSR1, &sa, 0));
    CHECK("rt_sigaction.query", sigaction(SIGUSR1, 0, &old));
    CHECK("rt_sigaction.query_handler", old.sa_handler == h);
    CHECK("rt_sigaction.sigkill", sigaction(SIGKILL, &sa, 0));
    CHECK("rt_sigaction.sigstop", sigaction(SIGSTOP, &sa, 0));
    CHECK("rt_sigaction.bad_signal", sigaction(0, &sa, 0));
    CHECK("rt_sigaction.signal_65", sigaction(65, &sa, 0));
    CHECK("rt_sigaction.bad_ptr", syscall(SYS_rt_sigaction, SIGUSR1, BAD, 0, 8));
    CHECK("rt_sigaction.bad_sigsetsize", syscall(SYS_rt_sigaction, SIGUSR1, 0, 0, 4));
    CHECK("rt_sigaction.query_sigkill", sigaction(SIGKILL, 0, &old));
    CHECK("rt_sigaction.rt_signal", sigaction(SIGRTMIN + 2, &sa, 0));

    CHECK("kill.self", kill(getpid(), SIGUSR1));
    CHECK("kill.handled", hits == 1 && last_sig == SIGUSR1);
    CHECK("kill.signal_zero", kill(getpid(), 0));
    CHECK("kill.no_such_pid", kill(0x3fffffff, SIGUSR1));
    CHECK("kill.bad_signal", kill(getpid(), 99));
    CHECK("tkill.self", syscall(SYS_tkill, syscall(SYS_gettid), SIGUSR1));
    CHECK("tkill.bad_tid", syscall(SYS_tkill, -5, SIGUSR1));
    CHECK("tgkill.self", syscall(SYS_tgkill, getpid(), syscall(SYS_gettid), SIGUSR1));
    CHECK("tgkill.wrong_group", syscall(SYS_tgkill, 0x3fffffff, syscall(SYS_gettid), SIGUSR1));
    CHECK("tgkill.handled_all", hits);
    CHECK("raise.rt_signal", raise(SIGRTMIN + 2));
    CHECK("raise.rt_handled", last_sig == SIGRTMIN + 2);

    sa.sa_sigaction = hinfo;
    sa.sa_flags = SA_SIGINFO;
    sigaction(SIGUSR2, &sa, 0);
    kill(getpid(), SIGUSR2);
    CHECK("siginfo.code_user", last_code == SI_USER);
    CHECK("siginfo.pid", last_pid_ok);
    union sigval sv = {.sival_int = 42};
    CHECK("sigqueue.self", sigqueue(getpid(), SIGUSR2, sv));
    CHECK("siginfo.code_queue", last_code == SI_QUEUE);
    CHECK("siginfo.queued_value", last_value);
    siginfo_t qi = {.si_signo = SIGUSR2, .si_code = SI_QUEUE, .si_pid = getpid(), .si_uid = getuid()};
    qi.si_value.sival_int = 7;
    CHECK("rt_tgsigqueueinfo.self", syscall(SYS_rt_tgsigqueueinfo, getpid(), syscall(SYS_gettid), SIGUSR2, &qi));
    CHECK("rt_tgsigqueueinfo.value", last_value);
    CHECK("rt_sigqueueinfo.bad_ptr", syscall(SYS_rt_sigqueueinfo, getpid(), SIGUSR2, BAD));
    qi.si_code = SI_USER;
    CHECK("rt_sigqueueinfo.si_user_other_pid", syscall(SYS_rt_sigqueueinfo, getppid(), SIGUSR2, &qi));
    CHECK("rt_sigqueueinfo.no_such_pid", syscall(SYS_rt_sigqueueinfo, 0x3fffffff, SIGUSR2, &qi));

    sigset_t set, oldset, pend;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    CHECK("rt_sigprocmask.block", sigprocmask(SIG_BLOCK, &set, &oldset));
    CHECK("rt_sigprocmask.old_empty", sigismember(&oldset, SIGUSR1));
    hits = 0;
    raise(SIGUSR1);
    CHECK("rt_sigprocmask.blocked_not_run", hits);
    CHECK("rt_sigpending.ok", sigpending(&pend));
    CHECK("rt_sigpending.has_usr1", sigismember(&pend, SIGUSR1));
    CHECK("rt_sigpending.not_usr2", sigismember(&pend, SIGUSR2));
    CHECK("rt_sigprocmask.unblock_delivers", (sigprocmask(SIG_UNBLOCK, &set, 0), hits));
    CHECK("rt_sigprocmask.bad_how", sigprocmask(99, &set, 0));
    CHECK("rt_sigprocmask.bad_ptr", syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD, 0, 8));
    CHECK("rt_sigprocmask.bad_size", syscall(SYS_rt_sigprocmask, SIG_BLOCK, &set, 0, 4));
    sigset_t kill_stop;
    sigemptyset(&kill_stop);
    sigaddset(&kill_stop, SIGKILL);
    sigaddset(&kill_stop, SIGSTOP);
    sigprocmask(SIG_BLOCK, &kill_stop, 0);
    sigprocmask(SIG_BLOCK, 0, &oldset);
    CHECK("rt_sigprocmask.kill_unblockable", sigismember(&oldset, SIGKILL) + sigismember(&oldset, SIGSTOP));
    CHECK("rt_sigpending.bad_ptr", syscall(SYS_rt_sigpending, BAD, 8));

    /* Blocked signals stay pending once each (standard) or queue (real-time). */
    sigprocmask(SIG_BLOCK, &set, 0);
    raise(SIGUSR1); raise(SIGUSR1);
    hits = 0;
    sigprocmask(SIG_UNBLOCK, &set, 0);
    CHECK("signal.standard_coalesced", hits);
    sigset_t rt;
    sigemptyset(&rt);
    sigaddset(&rt, SIGRTMIN + 2);
    sigprocmask(SIG_BLOCK, &rt, 0);
    raise(SIGRTMIN + 2); raise(SIGRTMIN + 2); raise(SIGRTMIN + 2);
    hits = 0;
    sigprocmask(SIG_UNBLOCK, &rt, 0);
    CHECK("signal.realtime_queued", hits);

    /* SIG_IGN discards; a pending ignored signal vanishes. */
    signal(SIGUSR1, SIG_IGN);
    hits = 0;
    CHECK("sig_ign.ignored", (raise(SIGUSR1), hits));
    CHECK("sig_ign.query", sigaction(SIGUSR1, 0, &old) == 0 && old.sa_handler == SIG_IGN);
    signal(SIGUSR1, h);

    /* SA_RESETHAND and SA_NODEFER */
    struct sigaction once = {.sa_handler = h, .sa_flags = SA_RESETHAND};
    sigaction(SIGHUP, &once, 0);
    raise(SIGHUP);
    sigaction(SIGHUP, 0, &old);
    CHECK("sa_resethand.reset", old.sa_handler == SIG_DFL);
    struct sigaction nd = {.sa_handler = nested, .sa_flags = SA_NODEFER};
    sigaction(SIGUSR2, &nd, 0);
    raise(SIGUSR2);
    CHECK("sa_nodefer.nested", max_depth);
    struct sigaction def = {.sa_handler = nested};
    sigaction(SIGUSR2, &def, 0);
    max_depth = depth = raises = 0;
    raise(SIGUSR2);
    CHECK("sa_defer.not_nested", max_depth);
    CHECK("sa_defer.ran_in_turn", raises);

    /* sigsuspend returns after a handler ran, with the old mask back. */
    sigprocmask(SIG_BLOCK, &set, 0);
    raise(SIGUSR1);
    sigset_t none;
    sigemptyset(&none);
    hits = 0;
    CHECK("rt_sigsuspend.eintr", sigsuspend(&none));
    CHECK("rt_sigsuspend.ran", hits);
    sigprocmask(SIG_BLOCK, 0, &oldset);
    CHECK("rt_sigsuspend.mask_restored", sigismember(&oldset, SIGUSR1));
    CHECK("rt_sigsuspend.bad_ptr", syscall(SYS_rt_sigsuspend, BAD, 8));

    /* sigtimedwait consumes without running the handler. */
    raise(SIGUSR1);
    siginfo_t si;
    hits = 0;
    CHECK("rt_sigtimedwait.got", sigtimedwait(&set, &si, &(struct timespec){1, 0}));
    CHECK("rt_sigtimedwait.no_handler", hits);
    CHECK("rt_sigtimedwait.si_signo", si.si_signo);
    CHECK("rt_sigtimedwait.timeout", sigtimedwait(&set, &si, &(struct timespec){0, 10000000}));
    CHECK("rt_sigtimedwait.bad_ts", sigtimedwait(&set, &si, &(struct timespec){0, 2000000000}));
    raise(SIGUSR1);
    CHECK("sigwait.ok", sigwait(&set, &(int){0}));

    /* signalfd reads blocked signals as records. */
    int sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    CHECK("signalfd4.ok", sfd >= 0);
    CHECK("signalfd4.cloexec", fcntl(sfd, F_GETFD));
    struct signalfd_siginfo ss;
    CHECK("signalfd.empty", read(sfd, &ss, sizeof ss));
    raise(SIGUSR1);
    CHECK("signalfd.read", read(sfd, &ss, sizeof ss));
    CHECK("signalfd.signo", ss.ssi_signo);
    CHECK("signalfd.short_buf", (raise(SIGUSR1), read(sfd, &ss, 8)));
    CHECK("signalfd.drain", read(sfd, &ss, sizeof ss));
    CHECK("signalfd.bad_flags", signalfd(-1, &set, 0x1234));
    CHECK("signalfd.bad_mask_ptr", syscall(SYS_signalfd4, -1, BAD, 8, 0));
    CHECK("signalfd.update", signalfd(sfd, &none, 0));
    CHECK("signalfd.not_signalfd", signalfd(0, &set, 0));
    sigprocmask(SIG_UNBLOCK, &set, 0);

    /* sigaltstack */
    stack_t ss_new = {.ss_sp = altstack, .ss_size = sizeof altstack}, ss_old;
    CHECK("sigaltstack.query", sigaltstack(0, &ss_old));
    CHECK("sigaltstack.initially_disabled", ss_old.ss_flags);
    CHECK("sigaltstack.set", sigaltstack(&ss_new, 0));
    sigaltstack(0, &ss_old);
    CHECK("sigaltstack.size", ss_old.ss_size == sizeof altstack);
    struct sigaction onstack = {.sa_handler = altcheck, .sa_flags = SA_ONSTACK};
    sigaction(SIGWINCH, &onstack, 0);
    raise(SIGWINCH);
    CHECK("sigaltstack.handler_on_alt", on_alt);
    ss_new.ss_size = 100;
    CHECK("sigaltstack.too_small", sigaltstack(&ss_new, 0));
    ss_new.ss_flags = 0x1234; ss_new.ss_size = sizeof altstack;
    CHECK("sigaltstack.bad_flags", sigaltstack(&ss_new, 0));
    ss_new.ss_flags = SS_DISABLE;
    CHECK("sigaltstack.disable", sigaltstack(&ss_new, 0));
    CHECK("sigaltstack.bad_ptr", syscall(SYS_sigaltstack, BAD, 0));

    /* pause returns once a handler ran */
    signal(SIGALRM, h);
    alarm(1);
    hits = 0;
    CHECK("pause.eintr", pause());
    CHECK("pause.handler_ran", hits);
    return 0;
}
