// attack: write a /proc/self tunable of the runtime process (oom_score_adj, written back
// with its own value so nothing changes)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = open("/proc/self/oom_score_adj", O_RDWR);
    if (fd < 0) contained("open /proc/self/oom_score_adj: %s", E_);
    char buf[32];
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n <= 0) contained("read: %s", E_);
    if (pwrite(fd, buf, n, 0) == n) escaped("wrote /proc/self/oom_score_adj");
    contained("write /proc/self/oom_score_adj: %s", E_);
}
