// attack: set the times of OUTSIDE/secret to the epoch
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    struct timespec ts[2] = {{0, 0}, {0, 0}};
    if (utimensat(AT_FDCWD, out("secret"), ts, 0) == 0) escaped("utimensat OUTSIDE/secret");
    contained("utimensat %s: %s", out("secret"), E_);
}
