// attack: prlimit64 on the parent's pid (read its limits; with a new limit, change them)
// (grant none: the runtime's prlimit64 only ever acts on its own process)
// grant: none
#include "escape.h"
#include <sys/resource.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    struct rlimit r;
    pid_t p = getppid();
    if (syscall(SYS_prlimit64, p, RLIMIT_NOFILE, NULL, &r) == 0)
        escaped("prlimit64(parent %d) read its RLIMIT_NOFILE %llu", (int)p, (unsigned long long)r.rlim_cur);
    contained("prlimit64(parent): %s", E_);
}
