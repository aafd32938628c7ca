// attack: munmap ranges outside linear memory and over the module's own stack and
// data, then check a plain mmap still lands inside memory
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    uintptr_t end = mem_end();
    syscall(SYS_munmap, 0xffff0000UL, 0x20000UL);
    syscall(SYS_munmap, (unsigned long)end, 0x100000UL);
    int e = errno;
    if (syscall(SYS_munmap, 0UL, 0x10000UL) == 0) escaped("munmap(0, 64K) over the stack succeeded");
    check_space_sane("munmap outside");
    contained("munmap outside memory left the address space sane (%s)", errname(e));
#endif
}
