// attack: only OUTSIDE/sub is granted; it already holds a symlink uplink -> ../secret
// (planted by someone else, not the guest): open it
// flags: --dir {outside}/sub
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    const char *p = out("sub/uplink");
    if (read_secret(p)) escaped("read %s", p);
    contained("open %s: %s", p, E_);
}
