// attack: sendto(MSG_FASTOPEN) on an unconnected TCP socket, which connects implicitly
// (a sandbox checking only connect() and datagram sendto misses it)
// grant: --allow-net=127.0.0.1:{port}
#include "escape.h"
#define MSG_FASTOPEN_ 0x20000000
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(PORT, "tcp");
    int s = socket(AF_INET, SOCK_STREAM, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_in a = lo4(PORT);
    ssize_t n = sendto(s, "hi", 2, MSG_FASTOPEN_, (void *)&a, sizeof a);
    if (n >= 0 || errno == EINPROGRESS) escaped("sendto MSG_FASTOPEN to 127.0.0.1:%d: %zd %s", PORT, n, n < 0 ? E_ : "");
    int e = errno;
    struct sockaddr_in peer;
    socklen_t l = sizeof peer;
    if (getpeername(s, (void *)&peer, &l) == 0) escaped("MSG_FASTOPEN connected the socket (sendto said %s)", errname(e));
    contained("sendto MSG_FASTOPEN: %s", errname(e));
}
