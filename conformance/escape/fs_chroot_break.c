// attack: the classic chroot break: chroot into a subdirectory while keeping the cwd
// outside it, chdir .. up to the real root, chroot(".") and read the outside secret
// (grant none: chroot is never passed to the kernel, not even under --allow-all: it
// would change the root of the whole runtime process)
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (mkdir("jail", 0755) < 0) broken("mkdir jail");
    if (chroot("jail") < 0) contained("chroot jail: %s", E_);
    for (int i = 0; i < 64; i++) chdir("..");
    chroot(".");
    if (read_secret(out("secret"))) escaped("broke out of chroot and read OUTSIDE/secret");
    contained("chroot worked, the break did not: %s", E_);
}
