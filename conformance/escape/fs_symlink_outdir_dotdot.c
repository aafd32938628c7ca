// attack: only OUTSIDE/sub is granted; a symlink planted in the cwd to it, then .. out
// of the grant: o/../secret
// flags: --dir {outside}/sub
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (symlink(out("sub"), "o") < 0) contained("symlink: %s", E_);
    if (read_secret("o/../secret")) escaped("read o/../secret (o -> %s)", out("sub"));
    contained("open o/../secret: %s", E_);
}
