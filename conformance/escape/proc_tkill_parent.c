// attack: tkill(ppid, 0): signal the parent's main thread by tid
// grant: --allow-signals
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    pid_t p = getppid();
    if (syscall(SYS_tkill, p, 0) == 0) escaped("tkill(parent %d, 0) allowed", (int)p);
    contained("tkill(parent, 0): %s", E_);
}
