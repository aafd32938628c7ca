// attack: the classic chroot break: chroot into a subdirectory while keeping the cwd
// outside it, chdir .. up to the real root, chroot(".") and read the outside secret
// (the sandbox never passes chroot to the kernel: it would change the root of the whole
// runtime process; --allow-all passes it through, as the reference engine does, and then
// the break works as on Linux, for root; without root the kernel refuses the chroot and
// --allow-all reads the secret directly)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (mkdir("jail", 0755) < 0) broken("mkdir jail");
    if (chroot("jail") < 0) {
        int e = errno;
        if (e == EPERM && geteuid() != 0 && read_secret(out("secret")))
            escaped("not root: chroot refused by the kernel, read OUTSIDE/secret directly");
        errno = e;
        contained("chroot jail: %s", E_);
    }
    for (int i = 0; i < 64; i++) chdir("..");
    chroot(".");
    if (read_secret(out("secret"))) escaped("broke out of chroot and read OUTSIDE/secret");
    contained("chroot worked, the break did not: %s", E_);
}
