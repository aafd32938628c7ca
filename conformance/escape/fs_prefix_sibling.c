// attack: a path that starts with the cwd's own string (<cwd>-outside/secret): a sandbox
// that checks "starts with the granted path" without a separator lets it through
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    size_t n = strlen(CWD);
    if (strncmp(OUT, CWD, n) != 0 || OUT[n] == '/' || OUT[n] == 0)
        broken("layout: OUTSIDE %s does not extend the cwd %s", OUT, CWD);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s%s/secret", CWD, OUT + n);
    if (read_secret(p)) escaped("read %s", p);
    contained("open %s: %s", p, E_);
}
