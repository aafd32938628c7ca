// attack: a symlink to a directory inside the cwd (l -> a/b), then .. through it and
// on up past the cwd: l/../../<../..>/<outside>/secret
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (mkdir("a", 0755) < 0 || mkdir("a/b", 0755) < 0) broken("mkdir a/b");
    if (symlink("a/b", "l") < 0) contained("symlink: %s", E_);
    char p[PATH_MAX];
    snprintf(p, sizeof p, "l/../../%s", rel_out("secret"));
    if (read_secret(p)) escaped("read %s", p);
    contained("open %s: %s", p, E_);
}
