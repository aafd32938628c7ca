// attack: chdir("..") up to / and then open <outside>/secret relative to there
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int fails = 0, first = 0;
    for (int i = 0; i < 32; i++)
        if (chdir("..") < 0 && !fails++) first = errno;
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/secret", OUT + 1);
    if (read_secret(p)) escaped("chdir .. x32 (%d failed), then read %s", fails, p);
    contained("chdir .. x32: %d failed (first %s); open %s: %s", fails, errname(first), p, E_);
}
