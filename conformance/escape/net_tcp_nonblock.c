// attack: a non-blocking TCP connect to 127.0.0.1:{port} (EINPROGRESS, then poll for
// the result) in case only the blocking path is checked
// grant: --allow-net=127.0.0.1:{port}
#include "escape.h"
#include <poll.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(PORT, "tcp");
    int s = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_in a = lo4(PORT);
    int r = connect(s, (void *)&a, sizeof a);
    if (r < 0 && errno != EINPROGRESS) contained("connect: %s", E_);
    struct pollfd p = {s, POLLOUT, 0};
    poll(&p, 1, 5000);
    int err = 0;
    socklen_t l = sizeof err;
    getsockopt(s, SOL_SOCKET, SO_ERROR, &err, &l);
    if (err == 0 && (p.revents & POLLOUT)) escaped("non-blocking connect to 127.0.0.1:%d completed", PORT);
    contained("connect in progress, then SO_ERROR %s", errname(err));
}
