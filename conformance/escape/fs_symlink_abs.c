// attack: plant a symlink with an absolute target (OUTSIDE/secret) in the cwd, open it
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (symlink(out("secret"), "link") < 0) contained("symlink: %s", E_);
    if (read_secret("link")) escaped("read OUTSIDE/secret through ./link");
    contained("open ./link -> %s: %s", out("secret"), E_);
}
