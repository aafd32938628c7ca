// attack: only OUTSIDE/sub is granted; climb out of that grant: OUTSIDE/sub/../secret
// flags: --dir {outside}/sub
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    const char *p = out("sub/../secret");
    if (read_secret(p)) escaped("read %s", p);
    contained("open %s: %s", p, E_);
}
