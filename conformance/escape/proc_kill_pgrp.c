// attack: kill(0, 0): signal our whole process group
// grant: --allow-signals
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (kill(0, 0) == 0) escaped("kill(0, 0) allowed");
    contained("kill(0, 0): %s", E_);
}
