// attack: bind a unix socket at a path in OUTSIDE (creates a file there)
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", out("s.sock"));
    if (strlen(a.sun_path) != strlen(out("s.sock"))) broken("OUTSIDE path too long for sun_path");
    if (bind(s, (void *)&a, sizeof a) == 0) escaped("bound unix socket %s", a.sun_path);
    contained("bind %s: %s", a.sun_path, E_);
}
