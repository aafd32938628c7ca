// attack: create a symlink inside OUTSIDE (symlink's second argument outside)
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (symlink("/", out("evil")) == 0) escaped("created symlink %s", out("evil"));
    contained("symlink / %s: %s", out("evil"), E_);
}
