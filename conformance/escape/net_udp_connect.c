// attack: connect a UDP socket to 127.0.0.1:{udpport}, then send() (no address on the
// send itself)
// grant: --allow-net=127.0.0.1:{udpport}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(UDPPORT, "udp");
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_in a = lo4(UDPPORT);
    if (connect(s, (void *)&a, sizeof a) < 0) contained("connect udp 127.0.0.1:%d: %s", UDPPORT, E_);
    if (send(s, "hi", 2, 0) == 2) escaped("connected UDP and sent to 127.0.0.1:%d", UDPPORT);
    contained("connected, but send: %s", E_);
}
