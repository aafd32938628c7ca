// attack: abstract unix names without connect(): bind a datagram socket to
// @wali-escape-{port}-dgram (a name in the host's shared abstract namespace, which any
// host process can then reach), then sendto and sendmsg (msg_name) to it from a second
// socket: the datagram paths must see the same rule as connect
// grant: --allow-all
#include "escape.h"
static socklen_t abstract(struct sockaddr_un *a, const char *fmt, int port) {
    memset(a, 0, sizeof *a);
    a->sun_family = AF_UNIX;
    int n = snprintf(a->sun_path + 1, sizeof a->sun_path - 1, fmt, port);
    return offsetof(struct sockaddr_un, sun_path) + 1 + n;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(PORT, "tcp");
    int r = socket(AF_UNIX, SOCK_DGRAM, 0), s = socket(AF_UNIX, SOCK_DGRAM, 0);
    if (r < 0 || s < 0) contained("socket: %s", E_);
    struct sockaddr_un a;
    socklen_t len = abstract(&a, "wali-escape-%d-dgram", PORT);
    int bound = bind(r, (void *)&a, len) == 0;
    int eb = errno;
    if (sendto(s, "x", 1, 0, (void *)&a, len) == 1) escaped("sendto @wali-escape-%d-dgram delivered (bind: %s)", PORT, bound ? "ok" : errname(eb));
    int e1 = errno;
    struct iovec io = {"x", 1};
    struct msghdr m = {.msg_name = &a, .msg_namelen = len, .msg_iov = &io, .msg_iovlen = 1};
    if (sendmsg(s, &m, 0) == 1) escaped("sendmsg @wali-escape-%d-dgram delivered", PORT);
    if (bound) escaped("bound @wali-escape-%d-dgram in the host's namespace", PORT);
    contained("bind: %s, sendto: %s, sendmsg: %s", errname(eb), errname(e1), E_);
}
