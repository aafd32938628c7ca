// attack: open("..") from the cwd, fchdir to it, then open the outside secret relative
// to the parent
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = open("..", O_RDONLY | O_DIRECTORY);
    if (fd < 0) contained("open ..: %s", E_);
    if (fchdir(fd) < 0) contained("fchdir(..): %s", E_);
    const char *p = rel_out("secret") + 3; /* one level fewer */
    if (read_secret(p)) escaped("fchdir(open(..)) then read %s", p);
    contained("fchdir(open(..)) worked; open %s: %s", p, E_);
}
