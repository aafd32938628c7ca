// attack: connect to an abstract unix socket (@wali-escape-{port}, the harness listens):
// abstract names live outside the filesystem, so path checks do not see them
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    need_port(PORT, "tcp");
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (s < 0) contained("socket: %s", E_);
    struct sockaddr_un a;
    memset(&a, 0, sizeof a);
    a.sun_family = AF_UNIX;
    int n = snprintf(a.sun_path + 1, sizeof a.sun_path - 1, "wali-escape-%d", PORT);
    socklen_t len = offsetof(struct sockaddr_un, sun_path) + 1 + n;
    if (connect(s, (void *)&a, len) == 0) escaped("connected to @wali-escape-%d", PORT);
    contained("connect @wali-escape-%d: %s", PORT, E_);
}
