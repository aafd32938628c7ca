// attack: read the host's /etc/passwd (read-only probe)
// grant: --dir /etc/passwd:ro
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    char buf[512];
    int fd = open("/etc/passwd", O_RDONLY);
    if (fd < 0) contained("open /etc/passwd: %s", E_);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    if (n < 0) contained("read /etc/passwd: %s", E_);
    buf[n] = 0;
    if (strstr(buf, "root:")) escaped("read /etc/passwd (%zd bytes)", n);
    contained("/etc/passwd opened but holds no root entry (%zd bytes)", n);
}
