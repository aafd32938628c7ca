// attack: mremap(MREMAP_FIXED) a page to 0xffff0000 with 128 KiB (wraps past 4 GiB)
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) broken("mmap");
    long r = syscall(SYS_mremap, p, 4096UL, 0x20000UL, 3L /* MAYMOVE|FIXED */, 0xffff0000UL);
    if (r != -1) escaped("mremap FIXED to 0xffff0000+128K returned %#lx", r);
    int e = errno;
    check_space_sane("mremap FIXED");
    contained("mremap FIXED 0xffff0000: %s", errname(e));
#endif
}
