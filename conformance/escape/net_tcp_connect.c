// attack: TCP connect to 127.0.0.1:{port}, where the harness listens
// grant: --allow-net=127.0.0.1:{port}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(PORT, "tcp");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_in a = lo4(PORT);
    if (connect(s, (void *)&a, sizeof a) == 0) escaped("connected to 127.0.0.1:%d", PORT);
    contained("connect 127.0.0.1:%d: %s", PORT, E_);
}
