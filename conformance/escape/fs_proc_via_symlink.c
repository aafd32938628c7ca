// attack: reach /proc through symlinks planted inside the writable cwd (the resolver
// must read them in the guest's namespace, where /proc is not granted): r -> /proc/self/root,
// c -> /proc/self/cwd, p1 -> /proc/1/root, then open <link>/<outside>/secret
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    static const char *t[][2] = {{"/proc/self/root", "r"}, {"/proc/self/cwd", "c"}, {"/proc/1/root", "p1"},
                                 {"/proc/thread-self/root", "tr"}};
    char p[PATH_MAX * 2];
    for (int i = 0; i < 4; i++) {
        if (symlink(t[i][0], t[i][1])) broken("symlink %s", t[i][1]);
        snprintf(p, sizeof p, "%s%s/secret", t[i][1], OUT);
        if (read_secret(p)) escaped("read the secret through %s -> %s", t[i][1], t[i][0]);
    }
    snprintf(p, sizeof p, "c/../%s/secret", strrchr(OUT, '/') + 1);
    if (read_secret(p)) escaped("read the secret through c/..");
    contained("none of the /proc links opened: %s", E_);
}
