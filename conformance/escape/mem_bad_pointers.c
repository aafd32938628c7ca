// attack: pointers outside linear memory (0xfffff000) and buffers straddling its end,
// handed to ~25 system calls: every one must fail with EFAULT, none may succeed
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    int z = open("/dev/zero", O_RDONLY);
    int f = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    int d = open(".", O_RDONLY | O_DIRECTORY);
    int s = socket(AF_UNIX, SOCK_STREAM, 0);
    if (z < 0 || f < 0 || d < 0 || s < 0 || symlink("f", "sl") < 0) broken("setup");
    if (write_probe_module("probe.wasm", ".") < 0) broken("probe");
    uintptr_t end = fresh_end_page();
    void *tail8 = (void *)(end - 8);
    char *av[] = {"probe.wasm", NULL};
    struct { const char *name; long r; int e; } t[32];
    int n = 0;
#define T(nm, call) do { errno = 0; long _r = (call); t[n].name = nm; t[n].r = _r; t[n].e = errno; n++; } while (0)
    T("stat", syscall(SYS_stat, "f", BAD));
    T("fstat", syscall(SYS_fstat, f, BAD));
    T("fstat-tail", syscall(SYS_fstat, f, tail8));
    T("newfstatat", syscall(SYS_newfstatat, AT_FDCWD, "f", BAD, 0));
    T("statx", syscall(SYS_statx, AT_FDCWD, "f", 0, 0x7ff, BAD));
    T("uname", syscall(SYS_uname, BAD));
    T("getcwd", syscall(SYS_getcwd, BAD, 4096));
    T("pipe", syscall(SYS_pipe, BAD));
    T("read", syscall(SYS_read, z, BAD, 16));
    T("write", syscall(SYS_write, f, BAD, 16));
    T("clock_gettime", syscall(SYS_clock_gettime, 0, BAD));
    T("gettimeofday", syscall(SYS_gettimeofday, BAD, 0));
    T("getrandom", syscall(SYS_getrandom, BAD, 16, 0));
    T("sysinfo", syscall(SYS_sysinfo, BAD));
    T("nanosleep", syscall(SYS_nanosleep, BAD, 0));
    T("rt_sigaction", syscall(SYS_rt_sigaction, SIGUSR1, BAD, 0, 8));
    T("rt_sigprocmask", syscall(SYS_rt_sigprocmask, SIG_BLOCK, BAD, 0, 8));
    T("futex", syscall(SYS_futex, BAD, 1 /* WAKE */, 1, 0, 0, 0));
    T("getrusage", syscall(SYS_getrusage, 0, BAD));
    T("open", syscall(SYS_open, BAD, O_RDONLY, 0));
    T("socketpair", syscall(SYS_socketpair, AF_UNIX, SOCK_STREAM, 0, BAD));
    T("getdents64", syscall(SYS_getdents64, d, BAD, 4096));
    T("readlink", syscall(SYS_readlink, "sl", BAD, 64));
    T("connect", syscall(SYS_connect, s, BAD, 110));
    T("getsockopt", syscall(SYS_getsockopt, s, SOL_SOCKET, SO_TYPE, BAD, BAD));
    T("execve-argv", syscall(SYS_execve, "./probe.wasm", BAD, environ));
    T("execve-envp", syscall(SYS_execve, "./probe.wasm", av, BAD));
#undef T
    char bad[512] = "";
    for (int i = 0; i < n; i++) {
        if (t[i].r >= 0) escaped("%s accepted a pointer outside memory: %ld", t[i].name, t[i].r);
        if (t[i].e != EFAULT && strlen(bad) < 400)
            snprintf(bad + strlen(bad), sizeof bad - strlen(bad), " %s:%s", t[i].name, errname(t[i].e));
    }
    contained("%d calls refused%s%s", n, bad[0] ? "; not EFAULT:" : " with EFAULT", bad);
#endif
}
