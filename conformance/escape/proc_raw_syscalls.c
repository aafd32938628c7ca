// attack: raw syscall numbers with no WALI import (ptrace, process_vm_readv, pivot_root,
// setns, bpf, perf_event_open, open_by_handle_at, io_uring_setup, kexec, ...)
// with harmless arguments: all must end at ENOSYS, never reach the kernel (mount,
// umount2 and unshare are imports now: proc_mount_unshare.c)
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
#ifndef __wasm__
    contained("native: not applicable");
#endif
    static const struct { long nr; const char *name; long a, b, c; } s[] = {
        {101, "ptrace", 2, 1, 0},        {310, "process_vm_readv", 1, 0, 0},
        {311, "process_vm_writev", 1, 0, 0}, {155, "pivot_root", 0, 0},
        {308, "setns", -1, 0, 0},
        {321, "bpf", -1, 0, 0},           {298, "perf_event_open", 0, 0, -1},
        {303, "name_to_handle_at", -1, 0, 0}, {304, "open_by_handle_at", -1, 0, 0},
        {425, "io_uring_setup", 0, 0, 0}, {246, "kexec_load", 0, 0, 0},
        {169, "reboot", 0, 0, 0},         {175, "init_module", 0, 0, 0},
        {323, "userfaultfd", -1, 0, 0},   {434, "pidfd_open", 1, -1, 0},
        {438, "pidfd_getfd", -1, 0, 0},  {437, "openat2", -100, 0, 0},
        {322, "execveat", -1, 0, 0},
    };
    int n = sizeof s / sizeof s[0];
    for (int i = 0; i < n; i++) {
        errno = 0;
        long r = syscall(s[i].nr, s[i].a, s[i].b, s[i].c, 0L, 0L, 0L);
        if (r >= 0 || errno != ENOSYS) escaped("%s (%ld) reached the kernel: %ld %s", s[i].name, s[i].nr, r, E_);
    }
    contained("%d raw syscalls, all ENOSYS", n);
}
