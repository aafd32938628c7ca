// attack: O_PATH-open "/" (harmless by itself), then openat relative to it:
// openat(rootfd, "<outside>/secret")
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int d = open("/", O_PATH | O_DIRECTORY);
    if (d < 0) contained("open / O_PATH: %s", E_);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/secret", OUT + 1);
    if (read_secret_at(d, p)) escaped("openat(O_PATH /, %s)", p);
    contained("openat(O_PATH /, %s): %s", p, E_);
}
