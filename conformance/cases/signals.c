// syscalls: fcntl rt_sigqueueinfo rt_tgsigqueueinfo rt_sigaction rt_sigprocmask rt_sigpending rt_sigsuspend rt_sigtimedwait rt_sigreturn sigaltstack kill tkill tgkill pause signalfd signalfd4 fork wait4
// xfail: rt_sigreturn.outside_handler handlers return to the runtime, so rt_sigreturn has no frame to restore and answers ENOSYS (Linux restores garbage and the process dies)
#include "../case.h"
#include <signal.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/syscall.h>
#include <sys/wait.h>
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
/* sigaltstack as seen from a handler: the flags it reports, and whether a change is
 * refused (EPERM on the alternate stack). */
static volatile int alt_flags = -1, alt_change = -1, alt_errno;
static void altquery(int s) {
    (void)s;
    stack_t o, n = {.ss_sp = altstack, .ss_size = sizeof altstack};
    alt_flags = sigaltstack(0, &o) == 0 ? o.ss_flags : -100;
    errno = 0;
    alt_change = sigaltstack(&n, 0);
    alt_errno = errno;
}
/* Handlers of every arity C allows: declared without a prototype (a wasm function of
 * no parameters), and with SA_SIGINFO. */
static volatile int h0_hits, h2_hits, reset_args;
static void h0() { h0_hits++; }
static void h2(int s, siginfo_t *si) { h2_hits += s == SIGUSR2 && si && si->si_signo == SIGUSR2; }
static void hreset(int s, siginfo_t *si, void *uc) {
    reset_args = s == SIGHUP && si && si->si_signo == SIGHUP && si->si_code == SI_TKILL && uc != 0;
}
static volatile int notify_fd = -1, notify_code, notify_sig;
static void hnotify(int s, siginfo_t *si, void *uc) {
    (void)uc;
    notify_sig = s == si->si_signo;
    notify_fd = si->si_fd;
    notify_code = si->si_code;
}
/* A child that sends itself `sig` with its default action: the parent sees how it died. */
static int death(int sig, int use_kill) {
    pid_t p = fork();
    if (p == 0) {
        setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
        signal(sig, SIG_DFL);
        if (use_kill) kill(getpid(), sig);
        else raise(sig);
        _exit(0);
    }
    int st = 0;
    if (p < 0 || waitpid(p, &st, 0) != p) return -1;
    return WIFSIGNALED(st) ? WTERMSIG(st) : 1000 + WEXITSTATUS(st);
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
    struct sigaction aq = {.sa_handler = altquery, .sa_flags = SA_ONSTACK};
    sigaction(SIGWINCH, &aq, 0);
    raise(SIGWINCH);
    CHECK("sigaltstack.in_handler_onstack", alt_flags);
    CHECK("sigaltstack.in_handler_change", alt_change);
    CHECK("sigaltstack.in_handler_change_errno", alt_errno == EPERM);
    aq.sa_flags = 0;
    sigaction(SIGWINCH, &aq, 0);
    raise(SIGWINCH);
    CHECK("sigaltstack.off_alt_flags", alt_flags);
    CHECK("sigaltstack.off_alt_change", alt_change);
    CHECK("sigaltstack.after_handler", (sigaltstack(0, &ss_old), ss_old.ss_flags));
    ss_new.ss_flags = SS_ONSTACK;
    CHECK("sigaltstack.flag_onstack_is_zero", sigaltstack(&ss_new, 0));
    ss_new.ss_flags = 0;
    ss_new.ss_size = 100;
    CHECK("sigaltstack.too_small", sigaltstack(&ss_new, 0));
    ss_new.ss_flags = 0x1234; ss_new.ss_size = sizeof altstack;
    CHECK("sigaltstack.bad_flags", sigaltstack(&ss_new, 0));
    ss_new.ss_flags = SS_DISABLE;
    CHECK("sigaltstack.disable", sigaltstack(&ss_new, 0));
    CHECK("sigaltstack.bad_ptr", syscall(SYS_sigaltstack, BAD, 0));

    /* Handler arities. */
    signal(SIGUSR1, (void (*)(int))h0);
    raise(SIGUSR1);
    kill(getpid(), SIGUSR1);
    CHECK("handler.no_prototype", h0_hits);
    struct sigaction two = {.sa_sigaction = (void (*)(int, siginfo_t *, void *))h2, .sa_flags = SA_SIGINFO};
    sigaction(SIGUSR2, &two, 0);
    raise(SIGUSR2);
    CHECK("handler.two_args", h2_hits);
    struct sigaction rs = {.sa_sigaction = hreset, .sa_flags = SA_SIGINFO | SA_RESETHAND};
    sigaction(SIGHUP, &rs, 0);
    raise(SIGHUP);
    CHECK("sa_resethand.siginfo_args", reset_args);
    CHECK("sa_resethand.siginfo_reset", (sigaction(SIGHUP, 0, &old), old.sa_handler == SIG_DFL));
    CHECK("sa_resethand.siginfo_flag_kept", (old.sa_flags & SA_SIGINFO) != 0);

    /* The signals the runtime's engine uses for traps, sent by the program itself. */
    int reserved[] = {SIGILL, SIGBUS, SIGFPE, SIGSEGV};
    for (int i = 0; i < 4; i++) {
        char name[64];
        signal(reserved[i], h);
        hits = 0; last_sig = 0;
        snprintf(name, sizeof name, "raise.handled_%d", reserved[i]);
        CHECK(name, (raise(reserved[i]), hits == 1 && last_sig == reserved[i]));
        hits = 0; last_sig = 0;
        snprintf(name, sizeof name, "kill.handled_%d", reserved[i]);
        CHECK(name, (kill(getpid(), reserved[i]), hits == 1 && last_sig == reserved[i]));
        signal(reserved[i], SIG_IGN);
        snprintf(name, sizeof name, "raise.ignored_%d", reserved[i]);
        CHECK(name, raise(reserved[i]));
        signal(reserved[i], SIG_DFL);
        snprintf(name, sizeof name, "raise.default_kills_%d", reserved[i]);
        CHECK(name, death(reserved[i], 0));
        snprintf(name, sizeof name, "kill.default_kills_%d", reserved[i]);
        CHECK(name, death(reserved[i], 1));
    }
    sigset_t segv;
    sigemptyset(&segv);
    sigaddset(&segv, SIGSEGV);
    signal(SIGSEGV, h);
    sigprocmask(SIG_BLOCK, &segv, 0);
    hits = 0;
    raise(SIGSEGV);
    CHECK("raise.blocked_segv_waits", hits);
    CHECK("raise.blocked_segv_pending", (sigpending(&pend), sigismember(&pend, SIGSEGV)));
    sigprocmask(SIG_UNBLOCK, &segv, 0);
    CHECK("raise.blocked_segv_delivered", hits);
    signal(SIGSEGV, SIG_DFL);

    /* F_NOTIFY with F_SETSIG's real-time signal: siginfo names the directory. */
    int dfd = open(".", O_RDONLY | O_DIRECTORY);
    struct sigaction ns = {.sa_sigaction = hnotify, .sa_flags = SA_SIGINFO};
    sigaction(SIGRTMIN + 4, &ns, 0);
    CHECK("f_setsig.rt", fcntl(dfd, F_SETSIG, SIGRTMIN + 4));
    CHECK("f_notify.create", fcntl(dfd, F_NOTIFY, DN_CREATE));
    close(open("notified", O_CREAT | O_WRONLY, 0600));
    CHECK("f_notify.signo", notify_sig);
    CHECK("f_notify.si_fd", notify_fd == dfd);
    CHECK("f_notify.si_code", notify_code);
    close(dfd);

    /* pause returns once a handler ran */
    signal(SIGALRM, h);
    alarm(1);
    hits = 0;
    CHECK("pause.eintr", pause());
    CHECK("pause.handler_ran", hits);

    /* rt_sigreturn outside a handler: Linux restores whatever the stack holds. */
    pid_t rp = fork();
    if (rp == 0) {
        setrlimit(RLIMIT_CORE, &(struct rlimit){0, 0});
        syscall(SYS_rt_sigreturn, 0);
        _exit(errno == ENOSYS ? 38 : 1);
    }
    int rst = 0;
    waitpid(rp, &rst, 0);
    SHOW("rt_sigreturn.outside_handler", "%s", WIFSIGNALED(rst) ? "killed" : "returned");
    return 0;
}
