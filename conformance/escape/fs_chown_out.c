// attack: chown OUTSIDE/secret (to uid/gid 4242 when root, else to our own ids)
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    uid_t u = geteuid() == 0 ? 4242 : geteuid();
    gid_t g = geteuid() == 0 ? 4242 : getegid();
    if (chown(out("secret"), u, g) == 0) escaped("chown %d:%d OUTSIDE/secret", (int)u, (int)g);
    contained("chown %s: %s", out("secret"), E_);
}
