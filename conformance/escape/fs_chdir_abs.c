// attack: chdir to OUTSIDE by its absolute path, then open ./secret
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (chdir(OUT) < 0) contained("chdir %s: %s", OUT, E_);
    if (read_secret("secret")) escaped("chdir OUTSIDE and read ./secret");
    contained("chdir worked but open ./secret: %s", E_);
}
