// syscalls: dup3 pipe2 eventfd2 epoll_create1 inotify_init1 signalfd4 timerfd_create timerfd_settime accept4 socket socketpair memfd_create renameat2 mmap msync madvise mremap mlock clock_nanosleep faccessat2 fchmodat utimensat statx linkat unlinkat fchownat newfstatat wait4 waitid openat close_range getrandom copy_file_range splice tee sync_file_range membarrier preadv pwritev
/* Bad flags, call by call, through syscall() so the libc checks nothing itself: every
 * flags argument answers as the kernel does (EINVAL, mostly), whether the runtime passes
 * it through or interprets it (issue 14). */
#include "../case.h"
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BADF 0x40000000 /* a bit no flags argument defines */

int main(void) {
    int fd = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(fd, "0123456789", 10);
    symlink("f", "ln");
    mkdir("d", 0755);

    /* dup3: only O_CLOEXEC, and never the same descriptor */
    CHECK("dup3.bad_flags", syscall(SYS_dup3, fd, 20, 0xDEADBEEF & ~O_CLOEXEC));
    CHECK("dup3.nonblock", syscall(SYS_dup3, fd, 20, O_NONBLOCK));
    CHECK("dup3.same_fd", syscall(SYS_dup3, fd, fd, 0));
    CHECK("dup3.same_fd_cloexec", syscall(SYS_dup3, fd, fd, O_CLOEXEC));
    CHECK("dup3.bad_old", syscall(SYS_dup3, 999, 20, 0));
    CHECK("dup3.open_after_bad", fcntl(20, F_GETFD));

    int p[2];
    CHECK("pipe2.bad_flags", syscall(SYS_pipe2, p, BADF));
    CHECK("pipe2.append", syscall(SYS_pipe2, p, O_APPEND));
    CHECK("eventfd2.bad_flags", syscall(SYS_eventfd2, 0, BADF));
    CHECK("epoll_create1.bad_flags", syscall(SYS_epoll_create1, BADF));
    CHECK("epoll_create1.nonblock", syscall(SYS_epoll_create1, O_NONBLOCK));
    CHECK("inotify_init1.bad_flags", syscall(SYS_inotify_init1, BADF));
    unsigned long long mask = 0;
    CHECK("signalfd4.bad_flags", syscall(SYS_signalfd4, -1, &mask, 8, BADF));
    CHECK("timerfd_create.bad_flags", syscall(SYS_timerfd_create, CLOCK_MONOTONIC, BADF));
    int tfd = syscall(SYS_timerfd_create, CLOCK_MONOTONIC, 0);
    struct itimerspec its = {{0, 0}, {0, 0}};
    CHECK("timerfd_settime.bad_flags", syscall(SYS_timerfd_settime, tfd, BADF, &its, NULL));
    CHECK("socket.bad_type_flags", syscall(SYS_socket, AF_UNIX, SOCK_STREAM | BADF, 0));
    int sv[2];
    CHECK("socketpair.bad_type_flags", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM | BADF, 0, sv));
    int ls = socket(AF_UNIX, SOCK_STREAM, 0);
    CHECK("accept4.bad_flags", syscall(SYS_accept4, ls, NULL, NULL, BADF));
    CHECK("memfd_create.bad_flags", syscall(SYS_memfd_create, "m", BADF));
    CHECK("renameat2.bad_flags", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "g", BADF));
    CHECK("renameat2.exchange_noreplace", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "d", 3));
    CHECK("renameat2.noreplace_exists", syscall(SYS_renameat2, AT_FDCWD, "f", AT_FDCWD, "ln", 1));
    CHECK("openat.bad_flags_ok", (int)syscall(SYS_openat, AT_FDCWD, "f", O_RDONLY | BADF) >= 0);
    CHECK("openat.tmpfile_rdonly", syscall(SYS_openat, AT_FDCWD, "d", O_TMPFILE | O_RDONLY, 0600));

    /* memory: the runtime emulates these */
    CHECK("mmap.no_type", (long)syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_ANONYMOUS, -1, 0));
    CHECK("mmap.both_types", (long)syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_SHARED | MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
    CHECK("mmap.unknown_prot_ignored", syscall(SYS_mmap, NULL, 4096, 0x100, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0) != -1);
    CHECK("mmap.anon_unknown_flag_ignored", syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | BADF, -1, 0) != -1);
    /* MAP_SHARED_VALIDATE (3): files only, and only the legacy flags */
    CHECK("mmap.validate_ok", syscall(SYS_mmap, NULL, 4096, PROT_READ, 3, fd, 0) != -1);
    CHECK("mmap.validate_populate_ok", syscall(SYS_mmap, NULL, 4096, PROT_READ, 3 | MAP_POPULATE | MAP_NORESERVE, fd, 0) != -1);
    CHECK("mmap.validate_sync", syscall(SYS_mmap, NULL, 4096, PROT_READ, 3 | 0x80000 /* MAP_SYNC */, fd, 0));
    CHECK("mmap.validate_noreplace", syscall(SYS_mmap, NULL, 4096, PROT_READ, 3 | MAP_FIXED_NOREPLACE, fd, 0));
    CHECK("mmap.validate_unknown", syscall(SYS_mmap, NULL, 4096, PROT_READ, 3 | 0x200000, fd, 0));
    CHECK("mmap.shared_unknown_ignored", syscall(SYS_mmap, NULL, 4096, PROT_READ, MAP_SHARED | 0x200000, fd, 0) != -1);
    char *m = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    CHECK("msync.bad_flags", syscall(SYS_msync, m, 4096, BADF));
    CHECK("msync.sync_and_async", syscall(SYS_msync, m, 4096, MS_SYNC | MS_ASYNC));
    CHECK("msync.unaligned", syscall(SYS_msync, m + 1, 4096, MS_SYNC));
    CHECK("madvise.bad_advice", syscall(SYS_madvise, m, 4096, 9999));
    CHECK("madvise.unaligned", syscall(SYS_madvise, m + 1, 4096, MADV_NORMAL));
    CHECK("mremap.bad_flags", (long)syscall(SYS_mremap, m, 4096, 8192, BADF, 0));
    CHECK("mremap.fixed_without_maymove", (long)syscall(SYS_mremap, m, 4096, 4096, 2 /* MREMAP_FIXED */, m + 4096));
    CHECK("mprotect.bad_prot", syscall(SYS_mprotect, m, 4096, 0x100));
    CHECK("mprotect.unaligned", syscall(SYS_mprotect, m + 1, 4096, PROT_READ));

    /* time */
    struct timespec ts = {0, 1};
    CHECK("clock_nanosleep.bad_flags", syscall(SYS_clock_nanosleep, CLOCK_MONOTONIC, BADF, &ts, NULL));
    CHECK("clock_nanosleep.bad_clock", syscall(SYS_clock_nanosleep, 99, 0, &ts, NULL));

    /* AT_ flags on the *at calls (sandboxed ones interpret them) */
    CHECK("faccessat2.bad_flags", syscall(SYS_faccessat2, AT_FDCWD, "f", F_OK, BADF));
    CHECK("faccessat2.bad_mode", syscall(SYS_faccessat2, AT_FDCWD, "f", 0100, 0));
    CHECK("faccessat.bad_mode", syscall(SYS_faccessat, AT_FDCWD, "f", 0100));
    /* fchmodat (268) has no flags argument: the kernel ignores a fourth value */
    CHECK("fchmodat.flags_ignored", syscall(SYS_fchmodat, AT_FDCWD, "f", 0644, AT_SYMLINK_NOFOLLOW));
    CHECK("fchmodat.bad_flags_ignored", syscall(SYS_fchmodat, AT_FDCWD, "f", 0644, BADF));
    CHECK("utimensat.bad_flags", syscall(SYS_utimensat, AT_FDCWD, "f", NULL, BADF));
    char sx[256];
    CHECK("statx.bad_flags", syscall(SYS_statx, AT_FDCWD, "f", BADF, 0x7ff, sx));
    CHECK("statx.bad_sync", syscall(SYS_statx, AT_FDCWD, "f", 0x6000, 0x7ff, sx));
    CHECK("statx.bad_mask", syscall(SYS_statx, AT_FDCWD, "f", 0, 0x80000000u, sx));
    CHECK("linkat.bad_flags", syscall(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, "h", BADF));
    CHECK("linkat.removedir", syscall(SYS_linkat, AT_FDCWD, "f", AT_FDCWD, "h", AT_REMOVEDIR));
    CHECK("unlinkat.bad_flags", syscall(SYS_unlinkat, AT_FDCWD, "f", BADF));
    CHECK("unlinkat.nofollow", syscall(SYS_unlinkat, AT_FDCWD, "ln", AT_SYMLINK_NOFOLLOW));
    CHECK("fchownat.bad_flags", syscall(SYS_fchownat, AT_FDCWD, "f", -1, -1, BADF));
    struct stat st;
    CHECK("newfstatat.bad_flags", syscall(SYS_newfstatat, AT_FDCWD, "f", &st, BADF));
    CHECK("newfstatat.removedir", syscall(SYS_newfstatat, AT_FDCWD, "f", &st, AT_REMOVEDIR));

    /* wait */
    int status;
    CHECK("wait4.bad_options", syscall(SYS_wait4, -1, &status, BADF, NULL));
    char si[128];
    CHECK("waitid.bad_options", syscall(SYS_waitid, P_ALL, 0, si, BADF, NULL));
    CHECK("waitid.no_options", syscall(SYS_waitid, P_ALL, 0, si, 0, NULL));
    CHECK("waitid.bad_idtype", syscall(SYS_waitid, 99, 0, si, WEXITED, NULL));

    /* misc */
    CHECK("close_range.bad_flags", syscall(SYS_close_range, 100, 200, BADF));
    CHECK("close_range.bad_range", syscall(SYS_close_range, 200, 100, 0));
    char rb[4];
    CHECK("getrandom.bad_flags", syscall(SYS_getrandom, rb, 4, BADF));
    CHECK("copy_file_range.bad_flags", syscall(SYS_copy_file_range, fd, NULL, fd, NULL, 1, 1));
    CHECK("splice.bad_flags", syscall(SYS_splice, fd, NULL, fd, NULL, 1, BADF));
    CHECK("tee.bad_flags", syscall(SYS_tee, fd, fd, 1, BADF));
    CHECK("sync_file_range.bad_flags", syscall(SYS_sync_file_range, fd, 0, 0, BADF));
    CHECK("membarrier.bad_flags", syscall(SYS_membarrier, 0, BADF));
    struct iovec iov = {rb, 1};
    CHECK("preadv.bad_count", syscall(SYS_preadv, fd, &iov, -1, 0, 0));
    CHECK("pwritev.bad_count", syscall(SYS_pwritev, fd, &iov, -1, 0, 0));
    CHECK("mlock.unaligned_ok", syscall(SYS_mlock, m + 1, 10));
    return 0;
}
