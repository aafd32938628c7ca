// attack: the prctl options that reach past the guest's own flags, with harmless
// arguments: PR_SET_MM (rewrite the runtime's memory map fields, CAP_SYS_RESOURCE),
// PR_SET_PTRACER(ANY) (let any process ptrace the runtime), PR_SET_SECCOMP (filter the
// runtime's own calls), PR_CAPBSET_DROP, PR_SET_CHILD_SUBREAPER, PR_SET_SECUREBITS,
// PR_SET_IO_FLUSHER, PR_SET_TSC: each must be refused before the kernel
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
#ifndef __wasm__
    contained("native: not applicable (the kernel accepts these from root)");
#endif
    static const struct { int op; const char *name; unsigned long a, b; } s[] = {
        {35, "PR_SET_MM(ARG_START, 0)", 8, 0},
        {0x59616d61, "PR_SET_PTRACER(ANY)", (unsigned long)-1, 0},
        {22, "PR_SET_SECCOMP(bad mode)", 99, 0},
        {24, "PR_CAPBSET_DROP(63)", 63, 0},
        {36, "PR_SET_CHILD_SUBREAPER(0)", 0, 0},
        {28, "PR_SET_SECUREBITS(0)", 0, 0},
        {57, "PR_SET_IO_FLUSHER(0)", 0, 0},
        {26, "PR_SET_TSC(ENABLE)", 1, 0},
        {47, "PR_CAP_AMBIENT(CLEAR_ALL)", 4, 0},
    };
    int n = sizeof s / sizeof s[0];
    for (int i = 0; i < n; i++) {
        errno = 0;
        long r = syscall(SYS_prctl, s[i].op, s[i].a, s[i].b, 0L, 0L);
        if (r >= 0 || (errno != EINVAL && errno != EPERM))
            escaped("%s reached the kernel: %ld %s", s[i].name, r, E_);
    }
    contained("%d prctl options refused", n);
}
