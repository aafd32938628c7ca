// attack: listen() on a TCP socket never bound: the kernel picks a port and binds it
// implicitly (a sandbox checking only bind() misses it)
// grant: --allow-net
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) contained("socket: %s", E_);
    if (listen(s, 1) == 0) {
        struct sockaddr_in a;
        socklen_t l = sizeof a;
        getsockname(s, (void *)&a, &l);
        escaped("listening on an implicit port %d", ntohs(a.sin_port));
    }
    contained("listen without bind: %s", E_);
}
