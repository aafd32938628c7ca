// attack: reach 127.0.0.1:{port} as the IPv6 address ::ffff:127.0.0.1 (an address
// check that only knows AF_INET misses it)
// grant: --allow-net
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(PORT, "tcp");
    int s = socket(AF_INET6, SOCK_STREAM, 0);
    if (s < 0) contained("socket AF_INET6: %s", E_);
    struct sockaddr_in6 a;
    memset(&a, 0, sizeof a);
    a.sin6_family = AF_INET6;
    a.sin6_port = htons(PORT);
    inet_pton(AF_INET6, "::ffff:127.0.0.1", &a.sin6_addr);
    if (connect(s, (void *)&a, sizeof a) == 0) escaped("connected to [::ffff:127.0.0.1]:%d", PORT);
    contained("connect [::ffff:127.0.0.1]:%d: %s", PORT, E_);
}
