// attack: reach the host's root through /proc/self/root/<outside>/secret
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "/proc/self/root%s/secret", OUT);
    if (read_secret(p)) escaped("read %s", p);
    contained("open %s: %s", p, E_);
}
