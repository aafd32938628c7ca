// syscalls: read write readv writev pread64 pwrite64 preadv pwritev ioctl copy_file_range sendfile splice tee fallocate readahead memfd_create close_range mknod mknodat chown fchown lchown fchownat utimensat utimes futimesat statfs fstatfs sync_file_range
#include "../case.h"
#include <fcntl.h>
#ifndef FALLOC_FL_KEEP_SIZE
#define FALLOC_FL_KEEP_SIZE 1
#endif
#include <stdlib.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/sendfile.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <termios.h>
#include <unistd.h>

static long fsize(int fd) { struct stat st; fstat(fd, &st); return st.st_size; }

int main(void) {
    int fd = open("rw", O_RDWR | O_CREAT | O_TRUNC, 0644);
    char a[] = "hello ", b[] = "world", c[16] = {0}, d[16] = {0};
    struct iovec iov[2] = {{a, 6}, {b, 5}};
    CHECK("writev.two", writev(fd, iov, 2));
    CHECK("writev.zero_count", writev(fd, iov, 0));
    CHECK("writev.bad_count", writev(fd, iov, -1));
    CHECK("writev.too_many", writev(fd, iov, 2000));
    CHECK("writev.bad_iov", writev(fd, BAD, 1));
    struct iovec badbase = {BAD, 4};
    CHECK("writev.bad_base", writev(fd, &badbase, 1));
    CHECK("writev.bad_fd", writev(99, iov, 2));
    lseek(fd, 0, SEEK_SET);
    struct iovec rv[2] = {{c, 3}, {d, 16}};
    CHECK("readv.two", readv(fd, rv, 2));
    SHOW("readv.data", "%s|%s", c, d);
    CHECK("readv.eof", readv(fd, rv, 2));
    CHECK("readv.bad_fd", readv(99, rv, 2));
    memset(c, 0, sizeof c);
    CHECK("pread64.middle", pread(fd, c, 5, 6));
    SHOW("pread64.data", "%s", c);
    CHECK("pread64.offset_unchanged", lseek(fd, 0, SEEK_CUR));
    CHECK("pread64.past_end", pread(fd, c, 5, 100));
    CHECK("pread64.negative_offset", pread(fd, c, 5, -1));
    CHECK("pwrite64.ok", pwrite(fd, "W", 1, 6));
    CHECK("pwrite64.extend", pwrite(fd, "!", 1, 20));
    CHECK("pwrite64.size", fsize(fd));
    CHECK("pwrite64.negative_offset", pwrite(fd, "x", 1, -5));
    int p[2];
    pipe(p);
    CHECK("pread64.pipe_espipe", pread(p[0], c, 1, 0));
    CHECK("pwrite64.pipe_espipe", pwrite(p[1], c, 1, 0));
    memset(c, 0, sizeof c); memset(d, 0, sizeof d);
    CHECK("preadv.ok", preadv(fd, rv, 2, 2));
    SHOW("preadv.data", "%s|%.9s", c, d);
    struct iovec wv[2] = {{"AB", 2}, {"CD", 2}};
    CHECK("pwritev.ok", pwritev(fd, wv, 2, 0));
    memset(c, 0, sizeof c);
    pread(fd, c, 6, 0);
    SHOW("pwritev.data", "%s", c);
    CHECK("preadv.negative_offset", preadv(fd, rv, 2, -1));
    int ap = open("rw", O_WRONLY | O_APPEND);
    CHECK("write.append_at_end", write(ap, "Z", 1) && fsize(fd) == 22);
    close(ap);

    int n = -1;
    CHECK("ioctl.fionread_pipe", (write(p[1], "abc", 3), ioctl(p[0], FIONREAD, &n)));
    SHOW("ioctl.fionread_value", "%d", n);
    struct termios t;
    CHECK("ioctl.tcgets_on_file", ioctl(fd, TCGETS, &t));
    CHECK("ioctl.bad_fd", ioctl(99, FIONREAD, &n));
    CHECK("ioctl.fionbio", ioctl(p[0], FIONBIO, &(int){1}));
    CHECK("ioctl.fionbio_effect", (fcntl(p[0], F_GETFL) & O_NONBLOCK) != 0);
    CHECK("ioctl.fioclex", ioctl(p[0], FIOCLEX));
    CHECK("ioctl.fioclex_effect", fcntl(p[0], F_GETFD));

    int src = open("src", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(src, "0123456789abcdef", 16);
    int dst = open("dst", O_RDWR | O_CREAT | O_TRUNC, 0644);
    loff_t off_in = 4, off_out = 0;
    CHECK("copy_file_range.offsets", copy_file_range(src, &off_in, dst, &off_out, 6, 0));
    SHOW("copy_file_range.advanced", "%lld %lld", (long long)off_in, (long long)off_out);
    memset(c, 0, sizeof c);
    pread(dst, c, 16, 0);
    SHOW("copy_file_range.data", "%s", c);
    lseek(src, 10, SEEK_SET);
    CHECK("copy_file_range.file_offsets", copy_file_range(src, 0, dst, 0, 100, 0));
    CHECK("copy_file_range.src_offset_after", lseek(src, 0, SEEK_CUR));
    CHECK("copy_file_range.bad_flags", copy_file_range(src, 0, dst, 0, 1, 1));
    CHECK("copy_file_range.bad_fd", copy_file_range(99, 0, dst, 0, 1, 0));
    CHECK("copy_file_range.bad_off_ptr", syscall(SYS_copy_file_range, src, BAD, dst, 0, 1, 0));
    off_t so = 2;
    int out = open("sent", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK("sendfile.offset", sendfile(out, src, &so, 5));
    CHECK("sendfile.offset_advanced", so);
    lseek(src, 14, SEEK_SET);
    CHECK("sendfile.file_offset", sendfile(out, src, 0, 100));
    memset(c, 0, sizeof c);
    pread(out, c, 16, 0);
    SHOW("sendfile.data", "%s", c);
    CHECK("sendfile.to_pipe", (so = 0, sendfile(p[1], src, &so, 4)));
    CHECK("sendfile.bad_fd", sendfile(out, 99, 0, 1));
    CHECK("sendfile.bad_off_ptr", syscall(SYS_sendfile, out, src, BAD, 1));

    int q[2], r[2];
    pipe(q); pipe(r);
    write(q[1], "splice!", 7);
    loff_t so2 = 0;
    CHECK("tee.ok", tee(q[0], r[1], 7, 0));
    CHECK("splice.pipe_to_file", splice(q[0], 0, out, &so2, 7, 0));
    CHECK("splice.offset", so2);
    memset(c, 0, sizeof c);
    pread(out, c, 7, 0);
    SHOW("splice.data", "%s", c);
    memset(c, 0, sizeof c);
    read(r[0], c, 7);
    SHOW("tee.data", "%s", c);
    CHECK("splice.file_to_file", splice(src, 0, out, 0, 1, 0));
    CHECK("tee.not_pipe", tee(src, r[1], 1, 0));
    CHECK("splice.bad_off_ptr", syscall(SYS_splice, src, BAD, q[1], 0, 1, 0));

    int fa = open("fa", O_RDWR | O_CREAT | O_TRUNC, 0644);
    CHECK("fallocate.extend", fallocate(fa, 0, 0, 8192));
    CHECK("fallocate.size", fsize(fa));
    CHECK("fallocate.keep_size", fallocate(fa, FALLOC_FL_KEEP_SIZE, 8192, 4096));
    CHECK("fallocate.size_kept", fsize(fa));
    CHECK("fallocate.bad_len", fallocate(fa, 0, 0, 0));
    CHECK("fallocate.negative_offset", fallocate(fa, 0, -1, 10));
    CHECK("fallocate.bad_fd", fallocate(99, 0, 0, 10));
    CHECK("fallocate.pipe", fallocate(p[1], 0, 0, 10));
    CHECK("readahead.ok", readahead(fa, 0, 4096));
    CHECK("readahead.pipe", readahead(p[0], 0, 10));
    CHECK("sync_file_range.ok", sync_file_range(fa, 0, 0, SYNC_FILE_RANGE_WRITE));
    CHECK("sync_file_range.bad_flags", sync_file_range(fa, 0, 0, 0x100));

    int m = memfd_create("conf", MFD_CLOEXEC);
    CHECK("memfd_create.ok", m >= 0);
    CHECK("memfd_create.cloexec", fcntl(m, F_GETFD));
    CHECK("memfd_create.write", write(m, "memfd", 5));
    CHECK("memfd_create.ftruncate", ftruncate(m, 4096));
    CHECK("memfd_create.size", fsize(m));
    CHECK("memfd_create.bad_flags", memfd_create("x", 0x1000));
    CHECK("memfd_create.bad_name", syscall(SYS_memfd_create, BAD, 0));
    int sealed = memfd_create("s", MFD_ALLOW_SEALING);
    CHECK("memfd_create.seal", fcntl(sealed, F_ADD_SEALS, F_SEAL_WRITE));
    CHECK("memfd_create.sealed_write", write(sealed, "x", 1));
    CHECK("memfd_create.get_seals", fcntl(sealed, F_GET_SEALS));

    for (int i = 50; i < 56; i++) dup2(fd, i);
    CHECK("close_range.ok", syscall(SYS_close_range, 50, 53, 0));
    CHECK("close_range.closed", fcntl(52, F_GETFD));
    CHECK("close_range.kept", fcntl(54, F_GETFD));
    CHECK("close_range.cloexec", syscall(SYS_close_range, 54, 55, 4 /* CLOSE_RANGE_CLOEXEC */));
    CHECK("close_range.cloexec_set", fcntl(55, F_GETFD));
    CHECK("close_range.bad_range", syscall(SYS_close_range, 10, 5, 0));
    CHECK("close_range.bad_flags", syscall(SYS_close_range, 54, 55, 0x1000));

    CHECK("mknod.fifo", mknod("fifo", S_IFIFO | 0600, 0));
    struct stat st;
    stat("fifo", &st);
    CHECK("mknod.is_fifo", S_ISFIFO(st.st_mode));
    CHECK("mknod.exists", mknod("fifo", S_IFIFO | 0600, 0));
    CHECK("mknod.regular", mknod("plain", S_IFREG | 0600, 0));
    CHECK("mknod.bad_type", mknod("odd", 0170000 | 0600, 0));
    int dir = open(".", O_RDONLY | O_DIRECTORY);
    CHECK("mknodat.fifo", mknodat(dir, "fifo2", S_IFIFO | 0644, 0));
    CHECK("mknodat.bad_dirfd", mknodat(99, "fifo3", S_IFIFO | 0644, 0));
    CHECK("mknod.missing_dir", mknod("nodir/x", S_IFIFO | 0600, 0));

    uid_t u = getuid(); gid_t g = getgid();
    CHECK("chown.same", chown("rw", u, g));
    CHECK("chown.unchanged", chown("rw", -1, -1));
    CHECK("chown.missing", chown("missing", u, g));
    CHECK("fchown.same", fchown(fd, u, g));
    CHECK("fchown.bad_fd", fchown(99, u, g));
    symlink("rw", "link");
    CHECK("lchown.link", lchown("link", u, g));
    CHECK("fchownat.nofollow", fchownat(dir, "link", u, g, AT_SYMLINK_NOFOLLOW));
    CHECK("fchownat.bad_flags", fchownat(dir, "rw", u, g, 0x1));

    struct timespec ts[2] = {{1000000000, 5}, {1100000000, 7}};
    CHECK("utimensat.set", utimensat(AT_FDCWD, "rw", ts, 0));
    stat("rw", &st);
    SHOW("utimensat.values", "%ld.%ld %ld.%ld", (long)st.st_atim.tv_sec, st.st_atim.tv_nsec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    struct timespec omit[2] = {{0, UTIME_OMIT}, {1200000000, 0}};
    CHECK("utimensat.omit_atime", utimensat(AT_FDCWD, "rw", omit, 0));
    stat("rw", &st);
    SHOW("utimensat.omit_values", "%ld %ld", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec);
    CHECK("utimensat.now", utimensat(AT_FDCWD, "rw", 0, 0));
    stat("rw", &st);
    CHECK("utimensat.now_is_recent", st.st_mtim.tv_sec > 1700000000);
    CHECK("utimensat.fd", futimens(fd, ts));
    CHECK("utimensat.nofollow", utimensat(AT_FDCWD, "link", ts, AT_SYMLINK_NOFOLLOW));
    struct timespec badns[2] = {{0, 2000000000}, {0, 0}};
    CHECK("utimensat.bad_nsec", utimensat(AT_FDCWD, "rw", badns, 0));
    CHECK("utimensat.missing", utimensat(AT_FDCWD, "missing", ts, 0));
    CHECK("utimensat.bad_ptr", syscall(SYS_utimensat, AT_FDCWD, "rw", BAD, 0));
    struct timeval tv[2] = {{900000000, 1}, {950000000, 2}};
    CHECK("utimes.set", utimes("rw", tv));
    stat("rw", &st);
    SHOW("utimes.values", "%ld %ld %ld", (long)st.st_atim.tv_sec, (long)st.st_mtim.tv_sec, st.st_mtim.tv_nsec);
    CHECK("utimes.missing", utimes("missing", tv));
    CHECK("futimesat.set", syscall(SYS_futimesat, dir, "rw", tv));
    CHECK("futimesat.bad_dirfd", syscall(SYS_futimesat, 99, "rw", tv));

    struct statfs sf, sf2;
    CHECK("statfs.ok", statfs(".", &sf));
    CHECK("fstatfs.ok", fstatfs(fd, &sf2));
    CHECK("statfs.same_fs", sf.f_type == sf2.f_type && sf.f_bsize == sf2.f_bsize);
    CHECK("statfs.blocks", sf.f_blocks > 0 && sf.f_bfree <= sf.f_blocks);
    CHECK("statfs.namelen", sf.f_namelen);
    CHECK("statfs.missing", statfs("missing", &sf));
    CHECK("statfs.bad_ptr", syscall(SYS_statfs, ".", BAD));
    CHECK("fstatfs.bad_fd", fstatfs(99, &sf));
    return 0;
}
