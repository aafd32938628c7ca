// attack: rt_sigqueueinfo(ppid, 0, info): signal the parent with a queued-signal call
// grant: --allow-signals
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    pid_t p = getppid();
    siginfo_t si;
    memset(&si, 0, sizeof si);
    si.si_code = -1; /* SI_QUEUE */
    si.si_pid = getpid();
    si.si_uid = getuid();
    if (syscall(SYS_rt_sigqueueinfo, p, 0, &si) == 0) escaped("rt_sigqueueinfo(parent %d, 0) allowed", (int)p);
    contained("rt_sigqueueinfo(parent, 0): %s", E_);
}
