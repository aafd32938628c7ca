// attack: an anonymous O_TMPFILE in the cwd, then linkat(AT_EMPTY_PATH) and
// linkat("/proc/self/fd/N", AT_SYMLINK_FOLLOW) to give it a name in OUTSIDE (plant a
// file outside without ever naming it on creation)
// grant: --allow-all
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = open(".", O_TMPFILE | O_RDWR, 0644);
    if (fd < 0) contained("O_TMPFILE: %s", E_);
    if (write(fd, "planted", 7) != 7) broken("write");
    if (linkat(fd, "", AT_FDCWD, out("planted1"), AT_EMPTY_PATH) == 0) escaped("linked as %s", out("planted1"));
    int e1 = errno;
    char p[64];
    snprintf(p, sizeof p, "/proc/self/fd/%d", fd);
    if (linkat(AT_FDCWD, p, AT_FDCWD, out("planted2"), AT_SYMLINK_FOLLOW) == 0) escaped("linked as %s", out("planted2"));
    int e2 = errno;
    if (linkat(fd, "", AT_FDCWD, rel_out("planted3"), AT_EMPTY_PATH) == 0) escaped("linked as %s", rel_out("planted3"));
    contained("AT_EMPTY_PATH: %s, /proc/self/fd: %s, ../: %s", errname(e1), errname(e2), E_);
}
