// attack: create a directory in OUTSIDE
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (mkdir(out("newdir"), 0755) == 0) escaped("mkdir %s", out("newdir"));
    contained("mkdir %s: %s", out("newdir"), E_);
}
