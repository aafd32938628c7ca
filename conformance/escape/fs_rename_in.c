// attack: rename OUTSIDE/secret into the cwd (steal it)
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (rename(out("secret"), "stolen") == 0) escaped("renamed OUTSIDE/secret to ./stolen");
    contained("rename %s stolen: %s", out("secret"), E_);
}
