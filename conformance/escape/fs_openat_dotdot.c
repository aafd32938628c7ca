// attack: openat with a dirfd of the cwd and a ../../.. path out of it
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int d = open(".", O_RDONLY | O_DIRECTORY);
    if (d < 0) broken("open .");
    const char *p = rel_out("secret");
    if (read_secret_at(d, p)) escaped("openat(cwd, %s)", p);
    contained("openat(cwd, %s): %s", p, E_);
}
