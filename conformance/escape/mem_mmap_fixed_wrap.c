// attack: mmap(MAP_FIXED) at 0xffff0000 for 128 KiB: the range wraps past 4 GiB
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    long r = syscall(SYS_mmap, 0xffff0000UL, 0x20000UL, PROT_READ | PROT_WRITE,
                     MAP_FIXED | MAP_PRIVATE | MAP_ANONYMOUS, -1L, 0L);
    if (r != -1) escaped("mmap MAP_FIXED 0xffff0000+128K returned %#lx", r);
    int e = errno;
    check_space_sane("mmap wrap");
    contained("mmap MAP_FIXED 0xffff0000+128K: %s", errname(e));
#endif
}
