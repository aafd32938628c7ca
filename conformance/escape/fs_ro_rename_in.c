// attack: OUTSIDE is granted read-only; move OUTSIDE/secret into the writable cwd
// flags: --dir {outside}:ro
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (rename(out("secret"), "taken") == 0) escaped("moved OUTSIDE/secret out of a read-only grant");
    contained("rename %s taken: %s", out("secret"), E_);
}
