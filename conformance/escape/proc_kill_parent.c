// attack: kill(getppid(), 0): may we signal the process that started the runtime?
// grant: --allow-signals
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    pid_t p = getppid();
    if (p <= 1) broken("getppid %d", (int)p);
    if (kill(p, 0) == 0) escaped("kill(parent %d, 0) allowed", (int)p);
    contained("kill(parent, 0): %s", E_);
}
