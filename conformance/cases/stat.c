// syscalls: stat fstat lstat newfstatat statx access faccessat faccessat2 chmod fchmod fchmodat umask
#include "../case.h"
#include <sys/types.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/* The kernel's struct statx (musl-tools 1.2.3 has no statx()). */
struct kstatx {
    unsigned stx_mask, stx_blksize;
    unsigned long long stx_attributes;
    unsigned stx_nlink, stx_uid, stx_gid;
    unsigned short stx_mode, pad1;
    unsigned long long stx_ino, stx_size, stx_blocks, stx_attributes_mask;
    char times[64];
    unsigned rdev_major, rdev_minor, dev_major, dev_minor;
    unsigned long long spare[14];
};
#ifndef STATX_MODE
#define STATX_MODE 0x2U
#define STATX_SIZE 0x200U
#define STATX_BASIC_STATS 0x7ffU
#endif
#define statx(d, p, f, m, b) syscall(SYS_statx, d, p, f, m, b)

static void show(const char *n, struct stat *s) {
    printf("%s: mode=%o nlink=%ld size=%lld blksize_ok=%d\n", n, s->st_mode, (long)s->st_nlink,
           (long long)s->st_size, s->st_blksize > 0);
}

int main(void) {
    umask(022);
    int fd = open("f", O_RDWR | O_CREAT, 0640);
    write(fd, "12345", 5);
    struct stat st;
    CHECK("stat.file", stat("f", &st));
    show("stat.fields", &st);
    CHECK("stat.missing", stat("missing", &st));
    /* Raw: musl's stat() may copy through a buffer of its own and crash in user space. */
    CHECK("stat.bad_buf", syscall(SYS_stat, "f", BAD));
    CHECK("stat.bad_path", stat(BAD, &st));
    CHECK("stat.empty", stat("", &st));
    CHECK("stat.notdir", stat("f/x", &st));
    mkdir("d", 0751);
    CHECK("stat.dir", stat("d", &st));
    show("stat.dir_fields", &st);
    symlink("f", "l");
    CHECK("lstat.link", lstat("l", &st));
    SHOW("lstat.is_link", "%d", S_ISLNK(st.st_mode));
    SHOW("lstat.size", "%lld", (long long)st.st_size);
    CHECK("stat.through_link", stat("l", &st));
    SHOW("stat.through_link_reg", "%d", S_ISREG(st.st_mode));
    CHECK("fstat.ok", fstat(fd, &st));
    show("fstat.fields", &st);
    CHECK("fstat.bad_fd", fstat(99, &st));
    CHECK("fstat.bad_buf", syscall(SYS_fstat, fd, BAD));
    CHECK("fstatat.nofollow", fstatat(AT_FDCWD, "l", &st, AT_SYMLINK_NOFOLLOW));
    SHOW("fstatat.nofollow_link", "%d", S_ISLNK(st.st_mode));
    CHECK("fstatat.empty_path", fstatat(fd, "", &st, AT_EMPTY_PATH));
    SHOW("fstatat.empty_path_size", "%lld", (long long)st.st_size);
    CHECK("fstatat.empty_no_flag", fstatat(fd, "", &st, 0));
    CHECK("fstatat.bad_flags", fstatat(AT_FDCWD, "f", &st, 0x12345));
    int d = open("d", O_RDONLY | O_DIRECTORY);
    CHECK("fstatat.dirfd_missing", fstatat(d, "x", &st, 0));
    CHECK("fstatat.dirfd_dotdot", fstatat(d, "../f", &st, 0));
    struct kstatx sx;
    CHECK("statx.basic", statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, &sx));
    SHOW("statx.fields", "mode=%o size=%llu nlink=%u", sx.stx_mode, (unsigned long long)sx.stx_size, sx.stx_nlink);
    SHOW("statx.mask_basic", "%d", (sx.stx_mask & STATX_BASIC_STATS) == STATX_BASIC_STATS);
    CHECK("statx.nofollow", statx(AT_FDCWD, "l", AT_SYMLINK_NOFOLLOW, STATX_MODE, &sx));
    SHOW("statx.nofollow_link", "%d", S_ISLNK(sx.stx_mode));
    CHECK("statx.missing", statx(AT_FDCWD, "missing", 0, STATX_BASIC_STATS, &sx));
    CHECK("statx.bad_buf", statx(AT_FDCWD, "f", 0, STATX_BASIC_STATS, BAD));
    CHECK("statx.empty_path", statx(fd, "", AT_EMPTY_PATH, STATX_SIZE, &sx));
    SHOW("statx.empty_path_size", "%llu", (unsigned long long)sx.stx_size);
    CHECK("access.exists", access("f", F_OK));
    CHECK("access.missing", access("missing", F_OK));
    CHECK("access.read", access("f", R_OK));
    CHECK("access.exec_dir", access("d", X_OK));
    CHECK("access.bad_mode", access("f", 0x40));
    CHECK("faccessat.dirfd", faccessat(d, "../f", R_OK, 0));
    CHECK("faccessat.eaccess", faccessat(AT_FDCWD, "f", R_OK, AT_EACCESS));
    CHECK("chmod.ok", chmod("f", 0604));
    stat("f", &st);
    SHOW("chmod.mode", "%o", st.st_mode & 07777);
    CHECK("chmod.missing", chmod("missing", 0600));
    CHECK("fchmod.ok", fchmod(fd, 0600));
    fstat(fd, &st);
    SHOW("fchmod.mode", "%o", st.st_mode & 07777);
    CHECK("fchmod.bad_fd", fchmod(99, 0600));
    CHECK("fchmodat.ok", fchmodat(d, "../f", 0644, 0));
    stat("f", &st);
    SHOW("fchmodat.mode", "%o", st.st_mode & 07777);
    CHECK("umask.old", umask(077));
    CHECK("umask.new", umask(022));
    umask(077);
    close(open("masked", O_CREAT | O_WRONLY, 0666));
    stat("masked", &st);
    SHOW("umask.applied", "%o", st.st_mode & 0777);
    return 0;
}
