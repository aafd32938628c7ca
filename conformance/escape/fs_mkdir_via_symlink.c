// attack: plant ./o -> OUTSIDE and mkdir o/newdir (create outside through a symlink)
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (symlink(OUT, "o") < 0) contained("symlink: %s", E_);
    if (mkdir("o/newdir", 0755) == 0) escaped("mkdir o/newdir (o -> OUTSIDE)");
    contained("mkdir o/newdir: %s", E_);
}
