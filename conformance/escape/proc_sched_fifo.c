// attack: switch the guest to a real-time scheduling class (SCHED_FIFO priority 1, then
// SCHED_RR; raw calls, as musl's sched_setscheduler is a stub): a real-time busy loop
// starves the host's normal processes on its CPU. Needs CAP_SYS_NICE, which a runtime
// run as root holds. Put back to SCHED_OTHER at once
// grant: --allow-all
#include "escape.h"
#include <sched.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    struct sched_param p = {.sched_priority = 1}, zero = {.sched_priority = 0};
    if (syscall(SYS_sched_setscheduler, 0, SCHED_FIFO, &p) == 0) {
        syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &zero);
        escaped("SCHED_FIFO granted to the guest");
    }
    int e1 = errno;
    if (syscall(SYS_sched_setscheduler, 0, SCHED_RR, &p) == 0) {
        syscall(SYS_sched_setscheduler, 0, SCHED_OTHER, &zero);
        escaped("SCHED_RR granted to the guest");
    }
    contained("SCHED_FIFO: %s, SCHED_RR: %s", errname(e1), E_);
}
