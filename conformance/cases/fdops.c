// syscalls: dup dup2 dup3 pipe pipe2 fcntl flock ftruncate truncate fsync fdatasync fadvise ioctl
// xfail: ioctl.figetbsz under the sandbox a request outside the allow-list (terminal, FIONREAD, FIONBIO, FIOCLEX, ...) answers ENOTTY; --allow-all passes it through
#include "../case.h"
#include <fcntl.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

int main(void) {
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "0123456789", 10);
    int d = dup(fd);
    CHECK("dup.next_lowest", d == fd + 1);
    int bsz = 0;
    CHECK("ioctl.figetbsz", ioctl(fd, 2 /* FIGETBSZ */, &bsz));
    CHECK("ioctl.fioclex", ioctl(fd, FIOCLEX));
    CHECK("ioctl.fioclex_flag", fcntl(fd, F_GETFD));
    CHECK("ioctl.fionclex", ioctl(fd, FIONCLEX));
    CHECK("dup.shares_offset", lseek(d, 0, SEEK_CUR));
    CHECK("dup.bad", dup(99));
    CHECK("dup2.ok", dup2(fd, 20));
    CHECK("dup2.same", dup2(fd, fd));
    CHECK("dup2.bad_old", dup2(99, 21));
    CHECK("dup2.bad_new", dup2(fd, -1));
    CHECK("dup3.same", dup3(fd, fd, 0));
    CHECK("dup3.cloexec", dup3(fd, 22, O_CLOEXEC));
    CHECK("dup3.cloexec_flag", fcntl(22, F_GETFD));
    CHECK("dup3.bad_flags", syscall(SYS_dup3, fd, 23, 0x1234));
    int p[2];
    CHECK("pipe.ok", pipe(p));
    CHECK("pipe.write", write(p[1], "abc", 3));
    char b[8] = {0};
    CHECK("pipe.read", read(p[0], b, sizeof b));
    CHECK("pipe.write_to_read_end", write(p[0], "x", 1));
    CHECK("pipe.bad_ptr", pipe(BAD));
    int q[2];
    CHECK("pipe2.flags", pipe2(q, O_CLOEXEC | O_NONBLOCK));
    CHECK("pipe2.cloexec", fcntl(q[0], F_GETFD));
    CHECK("pipe2.nonblock", (fcntl(q[0], F_GETFL) & O_NONBLOCK) != 0);
    CHECK("pipe2.empty_read", read(q[0], b, 1));
    CHECK("pipe2.bad_flags", pipe2(q, 0x1234));
    close(p[1]);
    CHECK("pipe.eof", read(p[0], b, 1));

    CHECK("fcntl.getfd", fcntl(fd, F_GETFD));
    CHECK("fcntl.setfd", fcntl(fd, F_SETFD, FD_CLOEXEC));
    CHECK("fcntl.getfd_after", fcntl(fd, F_GETFD));
    CHECK("fcntl.getfl_acc", fcntl(fd, F_GETFL) & O_ACCMODE);
    CHECK("fcntl.setfl_append", fcntl(fd, F_SETFL, O_APPEND | O_NONBLOCK));
    CHECK("fcntl.getfl_append", (fcntl(fd, F_GETFL) & (O_APPEND | O_NONBLOCK)) == (O_APPEND | O_NONBLOCK));
    CHECK("fcntl.dupfd_min", fcntl(fd, F_DUPFD, 30));
    CHECK("fcntl.dupfd_cloexec", fcntl(fd, F_DUPFD_CLOEXEC, 40));
    CHECK("fcntl.dupfd_cloexec_flag", fcntl(40, F_GETFD));
    CHECK("fcntl.bad_fd", fcntl(99, F_GETFD));
    CHECK("fcntl.bad_cmd", fcntl(fd, 9999));
    struct flock lk = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
    CHECK("fcntl.setlk", fcntl(fd, F_SETLK, &lk));
    struct flock q2 = {.l_type = F_WRLCK, .l_whence = SEEK_SET, .l_start = 0, .l_len = 5};
    CHECK("fcntl.getlk_own", fcntl(fd, F_GETLK, &q2));
    SHOW("fcntl.getlk_type", "%d", q2.l_type == F_UNLCK);
    lk.l_type = F_UNLCK;
    CHECK("fcntl.unlock", fcntl(fd, F_SETLK, &lk));
    CHECK("fcntl.setlk_bad_ptr", fcntl(fd, F_SETLK, BAD));
    lk.l_type = 99;
    CHECK("fcntl.setlk_bad_type", fcntl(fd, F_SETLK, &lk));
    CHECK("fcntl.getpipe_sz", fcntl(q[0], F_GETPIPE_SZ) > 0);

    CHECK("flock.ex", flock(fd, LOCK_EX));
    CHECK("flock.un", flock(fd, LOCK_UN));
    CHECK("flock.sh_nb", flock(fd, LOCK_SH | LOCK_NB));
    CHECK("flock.bad_op", flock(fd, 0));
    CHECK("flock.bad_fd", flock(99, LOCK_EX));

    struct stat st;
    CHECK("ftruncate.shrink", ftruncate(fd, 4));
    fstat(fd, &st);
    SHOW("ftruncate.size", "%lld", (long long)st.st_size);
    CHECK("ftruncate.grow", ftruncate(fd, 100000));
    fstat(fd, &st);
    SHOW("ftruncate.size_grown", "%lld", (long long)st.st_size);
    CHECK("ftruncate.negative", ftruncate(fd, -1));
    CHECK("ftruncate.rdonly", ftruncate(open("f", O_RDONLY), 1));
    CHECK("truncate.ok", truncate("f", 7));
    stat("f", &st);
    SHOW("truncate.size", "%lld", (long long)st.st_size);
    CHECK("truncate.missing", truncate("nope", 1));
    CHECK("truncate.dir", truncate(".", 1));
    CHECK("fsync.ok", fsync(fd));
    CHECK("fsync.bad", fsync(99));
    CHECK("fsync.pipe", fsync(q[0]));
    CHECK("fdatasync.ok", fdatasync(fd));
    CHECK("fadvise.ok", posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL));
    CHECK("fadvise.bad_advice", posix_fadvise(fd, 0, 0, 99));
    CHECK("fadvise.pipe", posix_fadvise(q[0], 0, 0, POSIX_FADV_NORMAL));
    return 0;
}
