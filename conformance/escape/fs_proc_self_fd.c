// attack: open the cwd, then climb out through its /proc/self/fd/N magic link:
// /proc/self/fd/N/../../<outside>/secret (and /proc/self/cwd/..)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int d = open(".", O_RDONLY | O_DIRECTORY);
    if (d < 0) broken("open .");
    char p[PATH_MAX], q[PATH_MAX];
    snprintf(p, sizeof p, "/proc/self/fd/%d/%s", d, rel_out("secret"));
    snprintf(q, sizeof q, "/proc/self/cwd/%s", rel_out("secret"));
    if (read_secret(p)) escaped("read %s", p);
    int e = errno;
    if (read_secret(q)) escaped("read %s", q);
    contained("open /proc/self/fd/%d/...: %s; /proc/self/cwd/...: %s", d, errname(e), E_);
}
