// attack: ptrace(PTRACE_PEEKDATA) on the parent through raw syscall 101 (there is no
// ptrace import: it must end at ENOSYS and never reach the kernel)
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
#ifndef __wasm__
    contained("native: not applicable");
#endif
    long r = syscall(101, 2 /* PTRACE_PEEKDATA */, (long)getppid(), 0L, 0L);
    if (r >= 0 || errno != ENOSYS) escaped("ptrace reached the kernel: %ld %s", r, E_);
    contained("ptrace: %s", E_);
}
