// attack: kill(-1, 0): may we signal every process on the host? (signal 0 only probes
// permission; nothing is sent)
// grant: --allow-signals
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (kill(-1, 0) == 0) escaped("kill(-1, 0) allowed");
    contained("kill(-1, 0): %s", E_);
}
