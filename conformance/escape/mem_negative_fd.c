// attack: negative and huge fd numbers (-2, -100, INT_MIN, INT_MAX, 1<<20) in read,
// write, fstat, fcntl, dup, dup2, lseek, fchdir, openat, getdents64, mmap, close
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    int fd0 = open("x", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd0 < 0) broken("create x");
    close(fd0);
    static const int bad[] = {-2, -100, INT_MIN, INT_MAX, 1 << 20, 0x7fffff00};
    char buf[64];
    struct stat st;
    for (unsigned i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        int fd = bad[i];
        long r[12];
        r[0] = syscall(SYS_read, fd, buf, 1);
        r[1] = syscall(SYS_write, fd, "x", 1);
        r[2] = syscall(SYS_fstat, fd, &st);
        r[3] = syscall(SYS_fcntl, fd, F_GETFD, 0);
        r[4] = syscall(SYS_dup, fd);
        r[5] = syscall(SYS_dup2, 1, fd);
        r[6] = syscall(SYS_lseek, fd, 0L, 0);
        r[7] = syscall(SYS_fchdir, fd);
        r[8] = fd == -100 ? -1 : syscall(SYS_openat, fd, "x", O_RDONLY, 0);
        r[9] = syscall(SYS_getdents64, fd, buf, sizeof buf);
        r[10] = (long)mmap(NULL, 4096, PROT_READ, MAP_SHARED, fd, 0);
        r[11] = syscall(SYS_close, fd);
        for (int k = 0; k < 12; k++)
            if (r[k] >= 0 && !(k == 10 && (void *)r[k] == MAP_FAILED))
                escaped("call %d with fd %d returned %ld", k, fd, r[k]);
    }
    contained("every call with a bad fd failed (last: %s)", E_);
}
