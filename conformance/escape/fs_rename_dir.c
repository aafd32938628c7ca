// attack: move the directory OUTSIDE/sub into the cwd
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (rename(out("sub"), "moved") == 0) escaped("moved OUTSIDE/sub to ./moved");
    contained("rename %s moved: %s", out("sub"), E_);
}
