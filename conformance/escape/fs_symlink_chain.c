// attack: a chain of relative symlinks each one level higher (s0 -> .., s1 -> s0/..,
// ...) until the last names /, then open <last>/<outside>/secret
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int depth = 0;
    for (const char *c = CWD; *c; c++)
        if (*c == '/' && c[1]) depth++;
    char name[32], target[64];
    for (int i = 0; i < depth; i++) {
        snprintf(name, sizeof name, "s%d", i);
        if (i == 0) snprintf(target, sizeof target, "..");
        else snprintf(target, sizeof target, "s%d/..", i - 1);
        if (symlink(target, name) < 0) contained("symlink %s -> %s: %s", name, target, E_);
    }
    char p[PATH_MAX];
    snprintf(p, sizeof p, "s%d/%s/secret", depth - 1, OUT + 1);
    if (read_secret(p)) escaped("read %s", p);
    contained("open %s: %s", p, E_);
}
