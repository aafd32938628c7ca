// attack: plant ./s -> OUTSIDE/listen.sock and connect to the unix socket "./s"
// grant: --dir {outside}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    if (symlink(out("listen.sock"), "s") < 0) contained("symlink: %s", E_);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_un a = {.sun_family = AF_UNIX, .sun_path = "s"};
    if (connect(s, (void *)&a, sizeof a) == 0) escaped("connected to OUTSIDE/listen.sock through ./s");
    contained("connect ./s: %s", E_);
}
