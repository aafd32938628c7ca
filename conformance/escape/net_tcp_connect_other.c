// attack: only 127.0.0.1:{port} is granted; connect to another listening port {port2}
// flags: --allow-net=127.0.0.1:{port}
// grant: --allow-net
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(PORT2, "second tcp");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_in a = lo4(PORT2);
    if (connect(s, (void *)&a, sizeof a) == 0) escaped("connected to 127.0.0.1:%d", PORT2);
    contained("connect 127.0.0.1:%d: %s", PORT2, E_);
}
