// xfail: unmapped.straddle_read a buffer partly in a page the guest lacks is refused whole (EFAULT); Linux copies up to the fault and returns the count
// syscalls: read write open stat fstat lstat poll mprotect munmap rt_sigaction rt_sigprocmask ioctl pread64 pwrite64 readv writev access pipe select mremap msync madvise nanosleep getitimer setitimer connect sendto recvfrom sendmsg recvmsg bind getsockname getpeername socketpair setsockopt getsockopt execve uname getcwd chdir rename mkdir rmdir link unlink symlink readlink chmod chown lchown truncate gettimeofday getrlimit getrusage sysinfo times rt_sigpending rt_sigsuspend rt_sigtimedwait rt_sigqueueinfo sigaltstack statfs fstatfs setrlimit futex sched_getaffinity sched_setaffinity sched_getparam sched_setparam sched_rr_get_interval getdents64 clock_gettime clock_getres clock_nanosleep epoll_ctl epoll_wait epoll_pwait openat mkdirat fchownat newfstatat unlinkat linkat symlinkat readlinkat fchmodat faccessat faccessat2 pselect6 ppoll utimensat utimes futimesat pipe2 preadv pwritev prlimit64 renameat renameat2 getrandom statx signalfd4 timerfd_settime timerfd_gettime timer_create timer_settime timer_gettime copy_file_range sendfile memfd_create mknod mknodat inotify_add_watch mlock mincore getresuid getresgid getcpu
/* Memory the guest does not have is not memory for syscalls: every pointer argument of
 * the table's calls, handed NULL, a page of page 0, a page that was munmap'ed, a page
 * never mapped (above the heap's break), and a PROT_NONE page, answers as the kernel
 * does (EFAULT, or ENOMEM for the memory calls); a PROT_READ page faults where the
 * kernel writes and not where it reads. */
#include "../case.h"
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/epoll.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/inotify.h>
#include <sys/timerfd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

static int zero_fd, file_fd, dir_fd, sock[2], epfd, ino_fd, tfd;
static int timer_id;

#define S(name, ...) do { char _n[96]; snprintf(_n, sizeof _n, "%s.%s", kind, name); \
    CHECK(_n, syscall(__VA_ARGS__)); } while (0)

/* Every call whose kernel writes through the pointer (a read-only page faults). */
static void writes(const char *kind, void *b) {
    S("read", SYS_read, zero_fd, b, 16);
    S("pread64", SYS_pread64, zero_fd, b, 16, 0);
    struct iovec iv = {b, 16};
    S("readv_buf", SYS_readv, zero_fd, &iv, 1);
    S("preadv_buf", SYS_preadv, zero_fd, &iv, 1, 0, 0);
    S("fstat", SYS_fstat, file_fd, b);
    S("stat", SYS_stat, "file", b);
    S("lstat", SYS_lstat, "file", b);
    S("newfstatat", SYS_newfstatat, AT_FDCWD, "file", b, 0);
    S("statx", SYS_statx, AT_FDCWD, "file", 0, 0xfff, b);
    S("statfs", SYS_statfs, ".", b);
    S("fstatfs", SYS_fstatfs, file_fd, b);
    S("pipe", SYS_pipe, b);
    S("pipe2", SYS_pipe2, b, 0);
    S("socketpair", SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, b);
    S("uname", SYS_uname, b);
    S("getcwd", SYS_getcwd, b, 256);
    S("readlink", SYS_readlink, "link", b, 64);
    S("readlinkat", SYS_readlinkat, AT_FDCWD, "link", b, 64);
    S("getdents64", SYS_getdents64, dir_fd, b, 4096);
    S("clock_gettime", SYS_clock_gettime, CLOCK_REALTIME, b);
    S("clock_getres", SYS_clock_getres, CLOCK_REALTIME, b);
    S("gettimeofday", SYS_gettimeofday, b, 0);
    S("getrlimit", SYS_getrlimit, RLIMIT_NOFILE, b);
    S("prlimit64_old", SYS_prlimit64, 0, RLIMIT_NOFILE, 0, b);
    S("getrusage", SYS_getrusage, 0, b);
    S("sysinfo", SYS_sysinfo, b);
    if (b) /* NULL: the clock ticks, which differ from run to run */
        S("times", SYS_times, b);
    S("getitimer", SYS_getitimer, ITIMER_REAL, b);
    S("setitimer_old", SYS_setitimer, ITIMER_REAL, &(struct itimerval){0}, b);
    S("rt_sigpending", SYS_rt_sigpending, b, 8);
    S("rt_sigprocmask_old", SYS_rt_sigprocmask, SIG_BLOCK, 0, b, 8);
    S("rt_sigaction_old", SYS_rt_sigaction, SIGUSR1, 0, b, 8);
    S("sigaltstack_old", SYS_sigaltstack, 0, b);
    S("getrandom", SYS_getrandom, b, 16, 0);
    S("sched_getaffinity", SYS_sched_getaffinity, 0, 128, b);
    S("sched_getparam", SYS_sched_getparam, 0, b);
    S("sched_rr_get_interval", SYS_sched_rr_get_interval, 0, b);
    S("getcpu", SYS_getcpu, b, 0, 0);
    S("getresuid", SYS_getresuid, b, b, b);
    S("getresgid", SYS_getresgid, b, b, b);
    S("getsockname_addr", SYS_getsockname, sock[0], b, &(socklen_t){sizeof(struct sockaddr_un)});
    S("getsockname_len", SYS_getsockname, sock[0], &(struct sockaddr_un){0}, b);
    S("getpeername_addr", SYS_getpeername, sock[0], b, &(socklen_t){sizeof(struct sockaddr_un)});
    S("getsockopt_val", SYS_getsockopt, sock[0], SOL_SOCKET, SO_TYPE, b, &(socklen_t){4});
    S("getsockopt_len", SYS_getsockopt, sock[0], SOL_SOCKET, SO_TYPE, &(int){0}, b);
    write(sock[1], "x", 1);
    S("recvfrom", SYS_recvfrom, sock[0], b, 1, MSG_DONTWAIT, 0, 0);
    S("epoll_wait", SYS_epoll_wait, epfd, b, 1, 0);
    S("epoll_pwait", SYS_epoll_pwait, epfd, b, 1, 0, 0, 8);
    S("ioctl_fionread", SYS_ioctl, sock[0], FIONREAD, b);
    S("timerfd_gettime", SYS_timerfd_gettime, tfd, b);
    S("timer_gettime", SYS_timer_gettime, timer_id, b);
    S("timer_create_id", SYS_timer_create, CLOCK_MONOTONIC, 0, b);
    S("mincore_vec", SYS_mincore, (void *)((uintptr_t)&zero_fd & ~4095ul), 4096, b);
    S("nanosleep_rem", SYS_nanosleep, &(struct timespec){0, 1}, b);
    /* The kernel reads the offset and writes it back advanced. */
    S("copy_file_range", SYS_copy_file_range, file_fd, b, file_fd, 0, 1, 0);
    S("sendfile", SYS_sendfile, sock[1], file_fd, b, 1);
}

/* Every call whose kernel only reads through the pointer. */
static void reads(const char *kind, void *b) {
    S("write", SYS_write, file_fd, b, 16);
    S("pwrite64", SYS_pwrite64, file_fd, b, 16, 0);
    struct iovec iv = {b, 16};
    S("writev_buf", SYS_writev, file_fd, &iv, 1);
    S("pwritev_buf", SYS_pwritev, file_fd, &iv, 1, 0, 0);
    S("sendto", SYS_sendto, sock[0], b, 1, MSG_DONTWAIT, 0, 0);
    S("setsockopt", SYS_setsockopt, sock[0], SOL_SOCKET, SO_RCVBUF, b, 4);
    S("connect", SYS_connect, sock[0], b, sizeof(struct sockaddr_un));
    S("bind", SYS_bind, sock[0], b, sizeof(struct sockaddr_un));
    S("sendmsg", SYS_sendmsg, sock[0], b, MSG_DONTWAIT);
    S("recvmsg", SYS_recvmsg, sock[0], b, MSG_DONTWAIT);
    S("poll", SYS_poll, b, 1, 0);
    S("ppoll", SYS_ppoll, b, 1, &(struct timespec){0}, 0, 8);
    S("select_set", SYS_select, 1, b, 0, 0, &(struct timeval){0});
    if (b) { /* NULL is no timeout: wait for ever */
        S("select_timeout", SYS_select, 1, 0, 0, 0, b);
        S("pselect6_timeout", SYS_pselect6, 1, 0, 0, 0, b, 0);
    }
    S("nanosleep_req", SYS_nanosleep, b, 0);
    S("clock_nanosleep_req", SYS_clock_nanosleep, CLOCK_MONOTONIC, 0, b, 0);
    S("setitimer_new", SYS_setitimer, ITIMER_REAL, b, 0);
    S("timerfd_settime", SYS_timerfd_settime, tfd, 0, b, 0);
    S("timer_settime", SYS_timer_settime, timer_id, 0, b, 0);
    S("rt_sigaction_act", SYS_rt_sigaction, SIGUSR1, b, 0, 8);
    S("rt_sigprocmask_set", SYS_rt_sigprocmask, SIG_BLOCK, b, 0, 8);
    S("rt_sigsuspend", SYS_rt_sigsuspend, b, 8);
    S("rt_sigtimedwait_set", SYS_rt_sigtimedwait, b, 0, &(struct timespec){0}, 8);
    S("rt_sigqueueinfo", SYS_rt_sigqueueinfo, getpid(), SIGUSR1, b);
    S("sigaltstack_new", SYS_sigaltstack, b, 0);
    S("signalfd4", SYS_signalfd4, -1, b, 8, 0);
    S("setrlimit", SYS_setrlimit, RLIMIT_NOFILE, b);
    S("prlimit64_new", SYS_prlimit64, 0, RLIMIT_NOFILE, b, 0);
    S("sched_setparam", SYS_sched_setparam, 0, b);
    S("sched_setaffinity", SYS_sched_setaffinity, 0, 128, b);
    S("epoll_ctl", SYS_epoll_ctl, epfd, EPOLL_CTL_MOD, sock[0], b);
    S("futex_wake", SYS_futex, b, 1 /* FUTEX_WAKE */, 1, 0, 0, 0);
    S("futex_wait", SYS_futex, b, 0 /* FUTEX_WAIT */, 0, 0, 0, 0);
    S("readv_iov", SYS_readv, zero_fd, b, 1);
    S("writev_iov", SYS_writev, file_fd, b, 1);
    S("utimensat_times", SYS_utimensat, AT_FDCWD, "file", b, 0);
    S("utimes_times", SYS_utimes, "file", b);
    S("futimesat_times", SYS_futimesat, AT_FDCWD, "file", b);
    /* Paths. */
    S("open", SYS_open, b, O_RDONLY);
    S("openat", SYS_openat, AT_FDCWD, b, O_RDONLY);
    S("access", SYS_access, b, F_OK);
    S("faccessat", SYS_faccessat, AT_FDCWD, b, F_OK);
    S("faccessat2", SYS_faccessat2, AT_FDCWD, b, F_OK, 0);
    S("stat_path", SYS_stat, b, &(char[144]){0});
    S("lstat_path", SYS_lstat, b, &(char[144]){0});
    S("newfstatat_path", SYS_newfstatat, AT_FDCWD, b, &(char[144]){0}, 0);
    S("statx_path", SYS_statx, AT_FDCWD, b, 0, 0xfff, &(char[256]){0});
    S("statfs_path", SYS_statfs, b, &(char[120]){0});
    S("chdir", SYS_chdir, b);
    S("mkdir", SYS_mkdir, b, 0755);
    S("mkdirat", SYS_mkdirat, AT_FDCWD, b, 0755);
    S("rmdir", SYS_rmdir, b);
    S("unlink", SYS_unlink, b);
    S("unlinkat", SYS_unlinkat, AT_FDCWD, b, 0);
    S("rename_old", SYS_rename, b, "x");
    S("rename_new", SYS_rename, "file", b);
    S("renameat", SYS_renameat, AT_FDCWD, "file", AT_FDCWD, b);
    S("renameat2", SYS_renameat2, AT_FDCWD, b, AT_FDCWD, "x", 0);
    S("link", SYS_link, "file", b);
    S("linkat", SYS_linkat, AT_FDCWD, b, AT_FDCWD, "x", 0);
    S("symlink_target", SYS_symlink, b, "x");
    S("symlink_path", SYS_symlink, "file", b);
    S("symlinkat", SYS_symlinkat, "file", AT_FDCWD, b);
    S("readlink_path", SYS_readlink, b, &(char[64]){0}, 64);
    S("readlinkat_path", SYS_readlinkat, AT_FDCWD, b, &(char[64]){0}, 64);
    S("chmod", SYS_chmod, b, 0644);
    S("fchmodat", SYS_fchmodat, AT_FDCWD, b, 0644, 0);
    S("chown", SYS_chown, b, -1, -1);
    S("lchown", SYS_lchown, b, -1, -1);
    S("fchownat", SYS_fchownat, AT_FDCWD, b, -1, -1, 0);
    S("truncate", SYS_truncate, b, 0);
    S("mknod", SYS_mknod, b, S_IFIFO | 0644, 0);
    S("mknodat", SYS_mknodat, AT_FDCWD, b, S_IFIFO | 0644, 0);
    S("utimensat_path", SYS_utimensat, AT_FDCWD, b, 0, 0);
    S("utimes_path", SYS_utimes, b, 0);
    S("memfd_create", SYS_memfd_create, b, 0);
    S("inotify_add_watch", SYS_inotify_add_watch, ino_fd, b, 0xfff);
    S("execve", SYS_execve, b, (char *[]){"x", 0}, (char *[]){0});
}

/* The memory calls: an unmapped page answers ENOMEM (mremap EFAULT; munmap succeeds). */
static void memory(const char *kind, void *b) {
    S("mprotect", SYS_mprotect, b, 4096, PROT_READ);
    S("msync", SYS_msync, b, 4096, MS_SYNC);
    S("madvise", SYS_madvise, b, 4096, MADV_DONTNEED);
    S("mlock", SYS_mlock, b, 4096);
    S("mincore", SYS_mincore, b, 4096, &(unsigned char[1]){0});
    S("mremap", SYS_mremap, b, 4096, 8192, MREMAP_MAYMOVE, 0);
    S("munmap", SYS_munmap, b, 4096);
}

int main(void) {
    zero_fd = open("/dev/zero", O_RDONLY);
    file_fd = open("file", O_RDWR | O_CREAT | O_TRUNC, 0644);
    write(file_fd, "0123456789abcdefghij", 20);
    symlink("file", "link");
    mkdir("d", 0755);
    dir_fd = open("d", O_RDONLY | O_DIRECTORY);
    socketpair(AF_UNIX, SOCK_STREAM, 0, sock);
    epfd = epoll_create1(0);
    epoll_ctl(epfd, EPOLL_CTL_ADD, sock[0], &(struct epoll_event){.events = EPOLLIN});
    ino_fd = inotify_init1(0);
    tfd = timerfd_create(CLOCK_MONOTONIC, 0);
    syscall(SYS_timer_create, CLOCK_MONOTONIC, 0, &timer_id);

    /* Four pages: the second unmapped, the third PROT_NONE, the fourth read-only. */
    char *m = mmap(0, 4 * 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(m, 'm', 4 * 4096);
    m[4 * 4096 - 1] = 0;
    CHECK("setup.munmap", munmap(m + 4096, 4096));
    CHECK("setup.mprotect_none", mprotect(m + 2 * 4096, 4096, PROT_NONE));
    CHECK("setup.mprotect_read", mprotect(m + 3 * 4096, 4096, PROT_READ));
    /* A page above the heap's break, never mapped. */
    char *gap = (char *)(((uintptr_t)sbrk(0) + 4095) & ~(uintptr_t)4095) + 16 * 4096;

    writes("null", 0);
    reads("null", 0);
    writes("page0", (void *)64);
    reads("page0", (void *)64);
    writes("unmapped", m + 4096);
    reads("unmapped", m + 4096);
    writes("gap", gap);
    reads("gap", gap);
    writes("none", m + 2 * 4096);
    reads("none", m + 2 * 4096);
    writes("rdonly", m + 3 * 4096);
    /* The read-only page holds "mmm...": a path of 'm's that does not exist. */
    CHECK("rdonly.write", syscall(SYS_write, file_fd, m + 3 * 4096, 16));
    CHECK("rdonly.access_notfound", syscall(SYS_access, m + 4 * 4096 - 8, F_OK));
    /* A path running off its page into an unmapped one faults. */
    CHECK("unmapped.path_runs_in", syscall(SYS_access, m + 4096 - 8, F_OK));
    /* A buffer straddling into an unmapped page. */
    CHECK("unmapped.straddle_read", syscall(SYS_read, zero_fd, m + 4096 - 8, 16));

    memory("null", 0);
    memory("unmapped", m + 4096);
    memory("gap", gap);
    CHECK("none.mprotect_rw", mprotect(m + 2 * 4096, 4096, PROT_READ | PROT_WRITE));
    CHECK("none.now_readable", syscall(SYS_read, zero_fd, m + 2 * 4096, 16));
    CHECK("rdonly.mprotect_rw", mprotect(m + 3 * 4096, 4096, PROT_READ | PROT_WRITE));
    CHECK("rdonly.now_writable", syscall(SYS_uname, m + 3 * 4096));
    CHECK("range.mprotect_hole", mprotect(m, 3 * 4096, PROT_READ));
    CHECK("range.munmap_hole", munmap(m, 4 * 4096));
    CHECK("range.after_munmap", syscall(SYS_read, zero_fd, m, 16));
    return 0;
}
