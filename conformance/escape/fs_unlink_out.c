// attack: delete OUTSIDE/secret
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (unlink(out("secret")) == 0) escaped("unlinked OUTSIDE/secret");
    contained("unlink %s: %s", out("secret"), E_);
}
