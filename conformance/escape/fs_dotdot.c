// attack: climb out of the cwd with ../../.. and read OUTSIDE/secret
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    const char *p = rel_out("secret");
    if (read_secret(p)) escaped("read %s", p);
    contained("open %s: %s", p, E_);
}
