// attack: OUTSIDE is granted read-only; use a descriptor of the read-write cwd for a
// relative lookup (the runtime may remember it), dup2 a descriptor of OUTSIDE over it,
// and create a file relative to it
// flags: --dir {outside}:ro
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int a = open(".", O_RDONLY | O_DIRECTORY);
    if (a < 0) broken("open .: %s", E_);
    struct stat st;
    fstatat(a, "nothing-here", &st, 0);
    int b = open(OUT, O_RDONLY | O_DIRECTORY);
    if (b < 0) broken("open %s: %s", OUT, E_);
    if (dup2(b, a) != a) broken("dup2: %s", E_);
    int fd = openat(a, "created", O_WRONLY | O_CREAT | O_EXCL, 0644);
    if (fd >= 0) escaped("openat(%d, O_CREAT) made %s in a read-only grant", a, out("created"));
    contained("openat(O_CREAT) after dup2: %s", E_);
}
