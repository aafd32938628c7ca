// attack: mmap(MAP_FIXED) at 0x90000000, past the module's 2 GiB maximum memory
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    long r = syscall(SYS_mmap, 0x90000000UL, 0x10000UL, PROT_READ | PROT_WRITE,
                     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
    if (r != -1 && (uintptr_t)r + 0x10000 > mem_end())
        escaped("mmap MAP_FIXED 0x90000000 returned %#lx, memory ends at %#lx", r, (unsigned long)mem_end());
    if (r != -1) contained("mmap MAP_FIXED 0x90000000 is inside memory (grown to %#lx)", (unsigned long)mem_end());
    int e = errno;
    check_space_sane("mmap beyond");
    contained("mmap MAP_FIXED 0x90000000: %s", errname(e));
#endif
}
