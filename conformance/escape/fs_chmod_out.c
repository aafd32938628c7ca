// attack: chmod OUTSIDE/secret to 0777
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (chmod(out("secret"), 0777) == 0) escaped("chmod 0777 OUTSIDE/secret");
    contained("chmod %s: %s", out("secret"), E_);
}
