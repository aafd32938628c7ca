// attack: OUTSIDE/sub is granted at another guest path (/data); climb from it to the
// host's parent: /data/../secret and /data/uplink (-> ../secret). Without /data (the
// grant mode), the same climbs from OUTSIDE/sub.
// flags: --dir {outside}/sub:/data
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    struct stat st;
    const char *base = stat("/data", &st) == 0 ? "/data" : out("sub");
    char p[PATH_MAX], q[PATH_MAX];
    snprintf(p, sizeof p, "%s/../secret", base);
    snprintf(q, sizeof q, "%s/uplink", base);
    if (read_secret(p)) escaped("read %s", p);
    int e1 = errno;
    if (read_secret(q)) escaped("read %s", q);
    contained("open %s: %s; open %s: %s", p, errname(e1), q, E_);
}
