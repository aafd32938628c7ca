// attack: plant a set-user-ID program in the writable cwd: a file the guest wrote, made
// setuid by chmod 04755, by fchmod 06755 (set-group-ID too), by open(O_CREAT, 04755) and
// by mknod(S_IFREG | 04755). It belongs to the runtime's user (root here): any local user
// who runs it later runs as that user, outside every sandbox. An unprivileged process can
// only do this with its own id; the guest gets no id of its own to lend
// grant: --allow-all
#include "escape.h"
#include <sys/stat.h>
static const char *setid(const char *f) {
    struct stat st;
    if (stat(f, &st)) return 0;
    if (st.st_mode & S_ISUID) return "S_ISUID";
    if (st.st_mode & S_ISGID) return "S_ISGID";
    return 0;
}
int main(int argc, char **argv) {
    setup(argc, argv);
    char why[256] = "";
    int fd = open("p1", O_CREAT | O_WRONLY | O_TRUNC, 0755);
    if (fd < 0) broken("create p1");
    write(fd, "\177ELF", 4);
    close(fd);
    chmod("p1", 04755);
    const char *s = setid("p1");
    if (s) { strcat(why, " chmod:"); strcat(why, s); }
    fd = open("p2", O_CREAT | O_WRONLY | O_TRUNC, 0755);
    if (fd < 0) broken("create p2");
    fchmod(fd, 06755);
    close(fd);
    if ((s = setid("p2"))) { strcat(why, " fchmod:"); strcat(why, s); }
    umask(0);
    fd = open("p3", O_CREAT | O_WRONLY | O_EXCL, 04755);
    if (fd >= 0) close(fd);
    if ((s = setid("p3"))) { strcat(why, " open:"); strcat(why, s); }
    mknod("p4", S_IFREG | 02755, 0);
    if ((s = setid("p4"))) { strcat(why, " mknod:"); strcat(why, s); }
    if (why[0]) escaped("set-id programs planted in the cwd:%s", why);
    contained("no set-id bit stuck (%s)", E_);
}
