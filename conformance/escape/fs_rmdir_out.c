// attack: remove the empty directory OUTSIDE/empty
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (rmdir(out("empty")) == 0) escaped("removed OUTSIDE/empty");
    contained("rmdir %s: %s", out("empty"), E_);
}
