// attack: OUTSIDE is granted read-only; change its metadata (chmod)
// flags: --dir {outside}:ro
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (chmod(out("secret"), 0600) == 0) escaped("chmod OUTSIDE/secret in a read-only grant");
    contained("chmod %s: %s", out("secret"), E_);
}
