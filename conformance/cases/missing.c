// syscalls: capget capset clock_settime personality unshare mount umount2 fchmod fchown read write pread64 pwrite64 ftruncate fsync fdatasync getdents64 lseek flock ioctl fstat fchdir fstatfs dup fcntl readv writev fallocate fadvise
#include "../case.h"
#include <fcntl.h>
#include <stdint.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

/* <linux/capability.h>, which musl-gcc does not have. */
struct cap_header { uint32_t version; int pid; };
struct cap_data { uint32_t effective, permitted, inheritable; };
#define CAP_V1 0x19980330
#define CAP_V3 0x20080522

static void caps(void) {
    struct cap_header h = {CAP_V3, 0};
    struct cap_data d[2];
    memset(d, 0xff, sizeof d);
    CHECK("capget.v3", syscall(SYS_capget, &h, d));
    struct cap_data saved[2];
    memcpy(saved, d, sizeof d);
    CHECK("capget.v3_permitted_has_effective",
          (d[0].effective & ~d[0].permitted) == 0 && (d[1].effective & ~d[1].permitted) == 0);
    h.version = CAP_V1;
    CHECK("capget.v1", syscall(SYS_capget, &h, d));
    CHECK("capget.v1_same", d[0].effective == saved[0].effective);
    h.version = 0x1234;
    CHECK("capget.bad_version", syscall(SYS_capget, &h, d));
    SHOW("capget.bad_version_rewritten", "%#x", h.version);
    h.version = 0;
    CHECK("capget.probe_null_data", syscall(SYS_capget, &h, 0));
    SHOW("capget.probe_version", "%#x", h.version);
    h.version = CAP_V3; h.pid = 0;
    CHECK("capget.null_data", syscall(SYS_capget, &h, 0));
    CHECK("capget.bad_header", syscall(SYS_capget, BAD, d));
    CHECK("capget.bad_data", syscall(SYS_capget, &h, BAD));
    h.pid = getpid();
    CHECK("capget.own_pid", syscall(SYS_capget, &h, d));
    h.pid = -5;
    CHECK("capget.negative_pid", syscall(SYS_capget, &h, d));

    /* Setting what is already there changes nothing. */
    h.version = CAP_V3; h.pid = 0;
    CHECK("capset.same", syscall(SYS_capset, &h, saved));
    h.version = 0x1234;
    CHECK("capset.bad_version", syscall(SYS_capset, &h, saved));
    h.version = CAP_V3;
    CHECK("capset.bad_data", syscall(SYS_capset, &h, BAD));
    CHECK("capset.bad_header", syscall(SYS_capset, BAD, saved));
    h.pid = getppid();
    CHECK("capset.other_pid", syscall(SYS_capset, &h, saved));
}

static void clocks(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    CHECK("clock_settime.monotonic", clock_settime(CLOCK_MONOTONIC, &ts));
    CHECK("clock_settime.boottime", clock_settime(CLOCK_BOOTTIME, &ts));
    CHECK("clock_settime.bad_clock", clock_settime(99, &ts));
    CHECK("clock_settime.bad_ptr", syscall(SYS_clock_settime, CLOCK_REALTIME, BAD));
    clock_gettime(CLOCK_REALTIME, &ts);
    ts.tv_nsec = 1000000000;
    CHECK("clock_settime.bad_nsec", clock_settime(CLOCK_REALTIME, &ts));
    ts.tv_nsec = -1;
    CHECK("clock_settime.negative_nsec", clock_settime(CLOCK_REALTIME, &ts));
    ts.tv_sec = -1; ts.tv_nsec = 0;
    CHECK("clock_settime.negative_sec", clock_settime(CLOCK_REALTIME, &ts));
}

static void persona(void) {
    long p = syscall(SYS_personality, 0xffffffffUL);
    CHECK("personality.query", p);
    CHECK("personality.set_same", syscall(SYS_personality, (unsigned long)p) == p);
    CHECK("personality.query_again", syscall(SYS_personality, 0xffffffffUL) == p);
}

static void namespaces(void) {
    CHECK("unshare.nothing", syscall(SYS_unshare, 0));
    CHECK("unshare.bad_flags", syscall(SYS_unshare, 0x1));
    CHECK("mount.bad_target", syscall(SYS_mount, "none", BAD, "tmpfs", 0, 0));
    CHECK("umount2.bad_flags", syscall(SYS_umount2, "/", 0x100));
    CHECK("umount2.bad_target", syscall(SYS_umount2, BAD, 0));
}

/* O_PATH descriptors name a file without opening it: only fstat, fchdir, fstatfs, dup,
 * fcntl and the *at calls use them; everything that would touch the file answers EBADF. */
static void opath(void) {
    int fd = open("f", O_CREAT | O_RDWR, 0644);
    write(fd, "data", 4);
    close(fd);
    mkdir("d", 0755);
    int p = open("f", O_PATH);
    int dp = open("d", O_PATH | O_DIRECTORY);
    CHECK("open.opath", p >= 0 && dp >= 0);
    char buf[64];
    struct stat st;
    struct statfs sf;
    CHECK("read.opath", read(p, buf, 4));
    CHECK("write.opath", write(p, "x", 1));
    CHECK("pread64.opath", pread(p, buf, 4, 0));
    CHECK("pwrite64.opath", pwrite(p, "x", 1, 0));
    struct iovec iov = {buf, 4};
    CHECK("readv.opath", readv(p, &iov, 1));
    CHECK("writev.opath", writev(p, &iov, 1));
    /* The calls themselves (musl's fchmod and fchown retry through /proc/self/fd). */
    CHECK("fchmod.opath", syscall(SYS_fchmod, p, 0600));
    CHECK("fchown.opath", syscall(SYS_fchown, p, getuid(), getgid()));
    CHECK("ftruncate.opath", ftruncate(p, 0));
    CHECK("fsync.opath", fsync(p));
    CHECK("fdatasync.opath", fdatasync(p));
    CHECK("lseek.opath", lseek(p, 0, SEEK_SET));
    CHECK("flock.opath", flock(p, LOCK_SH));
    int n = 0;
    CHECK("ioctl.opath", ioctl(p, FIONREAD, &n));
    CHECK("fallocate.opath", fallocate(p, 0, 0, 10));
    CHECK("fadvise.opath", posix_fadvise(p, 0, 0, POSIX_FADV_NORMAL) == EBADF);
    CHECK("getdents64.opath", syscall(SYS_getdents64, dp, buf, sizeof buf));
    CHECK("fstat.opath", fstat(p, &st));
    SHOW("fstat.opath_size", "%lld", (long long)st.st_size);
    CHECK("fstatfs.opath", fstatfs(p, &sf));
    CHECK("fcntl.opath_getfl", (fcntl(p, F_GETFL) & O_PATH) != 0);
    int q = dup(p);
    CHECK("dup.opath", q >= 0);
    CHECK("read.opath_dup", read(q, buf, 4));
    CHECK("fchdir.opath", fchdir(dp));
    CHECK("fchdir.opath_back", chdir(".."));
    struct stat st2;
    stat("f", &st2);
    SHOW("fchmod.opath_mode_unchanged", "%o", st2.st_mode & 0777);
    SHOW("ftruncate.opath_size_unchanged", "%lld", (long long)st2.st_size);
}

int main(void) {
    caps();
    clocks();
    persona();
    namespaces();
    opath();
    return 0;
}
