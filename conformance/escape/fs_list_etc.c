// attack: list /etc and see the host's files (passwd, group, hostname, ...); only
// /etc/localtime is granted by default
// grant: --dir /etc:ro
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    DIR *d = opendir("/etc");
    if (!d) contained("opendir /etc: %s", E_);
    struct dirent *e;
    int n = 0;
    while ((e = readdir(d))) {
        n++;
        if (!strcmp(e->d_name, "passwd") || !strcmp(e->d_name, "group") || !strcmp(e->d_name, "hostname"))
            escaped("/etc lists the host's %s", e->d_name);
    }
    contained("/etc lists %d entries, none of the host's", n);
}
