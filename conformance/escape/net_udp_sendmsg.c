// attack: UDP sendmsg with the destination in msg_name (not sendto, not connect)
// grant: --allow-net=127.0.0.1:{udpport}
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(UDPPORT, "udp");
    int s = socket(AF_INET, SOCK_DGRAM, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_in a = lo4(UDPPORT);
    struct iovec iov = {"hi", 2};
    struct msghdr m = {0};
    m.msg_name = &a;
    m.msg_namelen = sizeof a;
    m.msg_iov = &iov;
    m.msg_iovlen = 1;
    if (sendmsg(s, &m, 0) == 2) escaped("sendmsg to 127.0.0.1:%d", UDPPORT);
    contained("sendmsg 127.0.0.1:%d: %s", UDPPORT, E_);
}
