// attack: access(R_OK) on OUTSIDE/secret (an existence probe)
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (access(out("secret"), R_OK) == 0) escaped("access OUTSIDE/secret R_OK");
    contained("access %s: %s", out("secret"), E_);
}
