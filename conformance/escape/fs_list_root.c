// attack: list / and see the host's directories (usr, bin, var, boot, ...)
// grant: --dir /var:ro
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    static const char *host[] = {"usr", "bin", "sbin", "var", "boot", "opt", "srv", "home",
                                 "lib", "root", "media", "mnt", "run", "sys", NULL};
    char mine[3][NAME_MAX + 1] = {"", "", ""};
    /* the first components of the cwd, OUTSIDE and the module's own file (granted to
       it read-only) are legitimately visible */
    sscanf(CWD, "/%255[^/]", mine[0]);
    sscanf(OUT, "/%255[^/]", mine[1]);
    sscanf(argv[0], "/%255[^/]", mine[2]);
    DIR *d = opendir("/");
    if (!d) contained("opendir /: %s", E_);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        n++;
        for (int i = 0; host[i]; i++)
            if (!strcmp(e->d_name, host[i]) && strcmp(e->d_name, mine[0]) && strcmp(e->d_name, mine[1]) &&
                strcmp(e->d_name, mine[2]))
                escaped("/ lists the host's /%s", e->d_name);
    }
    contained("/ lists %d entries, none of the host's", n);
}
