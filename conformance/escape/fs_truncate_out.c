// attack: truncate OUTSIDE/secret to zero bytes
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (truncate(out("secret"), 0) == 0) escaped("truncated OUTSIDE/secret");
    contained("truncate %s: %s", out("secret"), E_);
}
