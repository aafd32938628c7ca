// attack: bind a TCP socket to 127.0.0.1:{freeport} and listen
// grant: --allow-net=127.0.0.1:{freeport}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(FREEPORT, "free");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) contained("socket: %s", E_);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = lo4(FREEPORT);
    if (bind(s, (void *)&a, sizeof a) < 0) contained("bind 127.0.0.1:%d: %s", FREEPORT, E_);
    if (listen(s, 1) == 0) escaped("bound and listening on 127.0.0.1:%d", FREEPORT);
    contained("bound, but listen: %s", E_);
}
