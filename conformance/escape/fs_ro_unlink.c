// attack: OUTSIDE is granted read-only; delete OUTSIDE/secret
// flags: --dir {outside}:ro
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (unlink(out("secret")) == 0) escaped("unlinked OUTSIDE/secret in a read-only grant");
    contained("unlink %s: %s", out("secret"), E_);
}
