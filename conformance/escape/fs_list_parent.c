// attack: list the cwd's parent directory and learn the name of OUTSIDE (a sibling)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    const char *base = strrchr(OUT, '/') + 1;
    DIR *d = opendir("..");
    if (!d) contained("opendir ..: %s", E_);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        n++;
        if (!strcmp(e->d_name, base)) escaped(".. lists the outside directory %s", base);
    }
    contained(".. lists %d entries, not the outside directory", n);
}
