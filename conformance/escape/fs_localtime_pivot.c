// attack: /etc/localtime is granted and is a symlink into /usr/share/zoneinfo: open
// a sibling of its target that nobody granted
// grant: --dir /usr/share/zoneinfo:ro
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    const char *p = "/usr/share/zoneinfo/zone.tab";
    int fd = open(p, O_RDONLY);
    if (fd >= 0) escaped("opened %s", p);
    contained("open %s: %s", p, E_);
}
