// attack: connect to a unix socket in OUTSIDE (OUTSIDE/listen.sock, the harness listens)
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", out("listen.sock"));
    if (strlen(a.sun_path) != strlen(out("listen.sock"))) broken("OUTSIDE path too long for sun_path");
    if (connect(s, (void *)&a, sizeof a) == 0) escaped("connected to %s", a.sun_path);
    contained("connect %s: %s", a.sun_path, E_);
}
