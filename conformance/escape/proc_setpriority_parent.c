// attack: setpriority on the parent's pid (to the value it already has: no change)
// grant: --allow-all
#include "escape.h"
#include <sys/resource.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    pid_t p = getppid();
    errno = 0;
    int prio = getpriority(PRIO_PROCESS, p);
    if (prio == -1 && errno) contained("getpriority(parent): %s", E_);
    if (setpriority(PRIO_PROCESS, p, prio) == 0) escaped("setpriority(parent %d, %d) allowed", (int)p, prio);
    contained("setpriority(parent): %s", E_);
}
