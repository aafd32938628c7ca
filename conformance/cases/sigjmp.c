// syscalls: rt_sigprocmask rt_sigaction tkill
// sigsetjmp/siglongjmp (the wasm32 libc lowers them onto setjmp/longjmp): the mask
// saved by sigsetjmp(env, 1) comes back with siglongjmp, including out of a handler
// (which runs with its signal blocked); with savemask 0 the mask is left as it is.
#include "../case.h"
#include <setjmp.h>
#include <signal.h>

static sigjmp_buf env;
static volatile sig_atomic_t jumps;

static void h(int s) { jumps++; siglongjmp(env, s); }

static int blocked(int s) {
    sigset_t c;
    sigprocmask(SIG_BLOCK, 0, &c);
    return sigismember(&c, s);
}

static void deep(int n) {
    if (n == 0) siglongjmp(env, 0);
    deep(n - 1);
}

int main(void) {
    sigset_t usr1, usr2;
    sigemptyset(&usr1);
    sigaddset(&usr1, SIGUSR1);
    sigemptyset(&usr2);
    sigaddset(&usr2, SIGUSR2);
    signal(SIGUSR1, h);

    volatile int r = sigsetjmp(env, 1);
    if (r == 0) {
        raise(SIGUSR1);
        CHECK("sigsetjmp.not_reached", 1);
    }
    CHECK("siglongjmp.from_handler_value", r);
    CHECK("siglongjmp.savemask_restores_mask", blocked(SIGUSR1));

    r = sigsetjmp(env, 0);
    if (r == 0) raise(SIGUSR1);
    CHECK("siglongjmp.nosave_value", r);
    CHECK("siglongjmp.nosave_keeps_handler_mask", blocked(SIGUSR1));
    sigprocmask(SIG_UNBLOCK, &usr1, 0);

    /* The mask of sigsetjmp's time, not of siglongjmp's. */
    sigprocmask(SIG_BLOCK, &usr2, 0);
    r = sigsetjmp(env, 1);
    if (r == 0) {
        sigprocmask(SIG_UNBLOCK, &usr2, 0);
        sigprocmask(SIG_BLOCK, &usr1, 0);
        deep(5);
    }
    CHECK("siglongjmp.zero_becomes_one", r);
    CHECK("siglongjmp.saved_mask_back_usr2", blocked(SIGUSR2));
    CHECK("siglongjmp.saved_mask_back_usr1", blocked(SIGUSR1));
    CHECK("siglongjmp.handler_runs", jumps);
    return 0;
}
