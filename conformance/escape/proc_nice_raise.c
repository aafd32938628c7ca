// attack: raise the guest's own scheduling priority (setpriority to one nice step below
// the current value): an unprivileged process gets EACCES, a runtime run as root lets
// the guest take CPU from every other process on the host. Put back at once
// grant: --allow-all
#include "escape.h"
#include <sys/resource.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, 0);
    if (prio == -1 && errno) broken("getpriority(self)");
    if (prio <= -20) broken("already at the highest priority");
    if (setpriority(PRIO_PROCESS, 0, prio - 1) == 0) {
        int now = getpriority(PRIO_PROCESS, 0);
        setpriority(PRIO_PROCESS, 0, prio);
        escaped("raised its own priority: nice %d -> %d", prio, now);
    }
    contained("setpriority(self, %d): %s", prio - 1, E_);
}
