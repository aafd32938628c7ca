// attack: climb out of a granted device directory: /dev/../etc/passwd
// grant: --dir /etc/passwd:ro
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    char buf[512];
    int fd = open("/dev/../etc/passwd", O_RDONLY);
    if (fd < 0) contained("open /dev/../etc/passwd: %s", E_);
    ssize_t n = read(fd, buf, sizeof buf - 1);
    buf[n > 0 ? n : 0] = 0;
    if (strstr(buf, "root:")) escaped("read /dev/../etc/passwd");
    contained("opened, but no passwd content (read %zd: %s)", n, E_);
}
