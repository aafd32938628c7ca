// attack: OUTSIDE is granted read-only; open the secret O_RDONLY (allowed) and change it
// through the descriptor: fchmod/fchown/futimens to the same values, fallocate, a shared
// writable mmap, splice/sendfile/copy_file_range into it, F_SETFL to O_RDWR, and a
// re-open through /proc/self/fd/N for writing
// grant: --dir {outside}
// flags: --dir {outside}:ro
#include "escape.h"
#include <sys/sendfile.h>
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd = open(out("secret"), O_RDONLY);
    if (fd < 0) broken("open the ro secret");
    struct stat st;
    fstat(fd, &st);
    char why[512] = "";
    if (fchmod(fd, st.st_mode & 07777) == 0) strcat(why, " fchmod");
    if (fchown(fd, st.st_uid, st.st_gid) == 0) strcat(why, " fchown");
    struct timespec ts[2] = {st.st_atim, st.st_mtim};
    if (futimens(fd, ts) == 0) strcat(why, " futimens");
    if (fallocate(fd, 0, 0, st.st_size) == 0) strcat(why, " fallocate");
    void *m = mmap(0, 4096, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
    if (m != MAP_FAILED) { strcat(why, " mmap-shared-write"); munmap(m, 4096); }
    int p[2];
    if (pipe(p)) broken("pipe");
    write(p[1], "", 0);
    int src = open("src", O_CREAT | O_RDWR | O_TRUNC, 0644);
    if (src < 0) broken("src");
    loff_t off = 0;
    if (copy_file_range(src, &off, fd, 0, 0, 0) == 0) { /* zero bytes: the kernel checks the mode first */
        strcat(why, " copy_file_range");
    }
    fcntl(fd, F_SETFL, O_RDWR | O_APPEND);
    if (write(fd, "", 0) == 0) strcat(why, " write-after-F_SETFL");
    char pp[64];
    snprintf(pp, sizeof pp, "/proc/self/fd/%d", fd);
    int w = open(pp, O_WRONLY | O_APPEND);
    if (w >= 0) strcat(why, " /proc/self/fd-reopen");
    if (why[0]) escaped("changed through the read-only descriptor:%s", why);
    contained("every change through the descriptor refused (%s)", E_);
}
