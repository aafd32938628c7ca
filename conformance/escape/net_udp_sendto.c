// attack: UDP sendto 127.0.0.1:{udpport}
// grant: --allow-net=127.0.0.1:{udpport}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(UDPPORT, "udp");
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_in a = lo4(UDPPORT);
    ssize_t n = sendto(s, "hi", 2, 0, (void *)&a, sizeof a);
    if (n == 2) escaped("sent a datagram to 127.0.0.1:%d", UDPPORT);
    contained("sendto 127.0.0.1:%d: %s", UDPPORT, E_);
}
