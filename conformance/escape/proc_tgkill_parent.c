// attack: tgkill(ppid, ppid, 0): signal the parent through the thread-directed call
// grant: --allow-signals
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    pid_t p = getppid();
    if (syscall(SYS_tgkill, p, p, 0) == 0) escaped("tgkill(parent %d, 0) allowed", (int)p);
    contained("tgkill(parent, 0): %s", E_);
}
