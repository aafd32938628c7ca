// attack: OUTSIDE is granted read-only; use a descriptor of the read-write cwd for a
// relative lookup (the runtime may remember it), close it, open OUTSIDE at the same
// number, and create a directory relative to that number
// flags: --dir {outside}:ro
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int a = open(".", O_RDONLY | O_DIRECTORY);
    if (a < 0) broken("open .: %s", E_);
    struct stat st;
    fstatat(a, "nothing-here", &st, 0);
    if (mkdirat(a, "warmup", 0755) < 0) broken("mkdirat in the cwd: %s", E_);
    close(a);
    int b = open(OUT, O_RDONLY | O_DIRECTORY);
    if (b < 0) broken("open %s: %s", OUT, E_);
    if (b != a) broken("OUTSIDE opened at %d, not %d", b, a);
    if (mkdirat(b, "created", 0755) == 0) escaped("mkdirat(%d) made %s in a read-only grant", b, out("created"));
    contained("mkdirat on the reused number %d: %s", b, E_);
}
