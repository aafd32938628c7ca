// attack: O_PATH-open the cwd's parent, then openat through it to the outside secret
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int d = open("..", O_PATH | O_DIRECTORY);
    if (d < 0) contained("open .. O_PATH: %s", E_);
    const char *p = rel_out("secret") + 3;
    if (read_secret_at(d, p)) escaped("openat(O_PATH .., %s)", p);
    contained("openat(O_PATH .., %s): %s", p, E_);
}
