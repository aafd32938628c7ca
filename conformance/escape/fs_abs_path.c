// attack: open OUTSIDE/secret by its absolute path
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (read_secret(out("secret"))) escaped("read %s", out("secret"));
    contained("open %s: %s", out("secret"), E_);
}
