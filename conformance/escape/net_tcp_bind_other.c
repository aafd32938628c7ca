// attack: only 127.0.0.1:{port2} is granted; bind another port, {freeport}
// flags: --allow-net=127.0.0.1:{port2}
// grant: --allow-net
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(FREEPORT, "free");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) contained("socket: %s", E_);
    int one = 1;
    setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in a = lo4(FREEPORT);
    if (bind(s, (void *)&a, sizeof a) == 0) escaped("bound 127.0.0.1:%d", FREEPORT);
    contained("bind 127.0.0.1:%d: %s", FREEPORT, E_);
}
