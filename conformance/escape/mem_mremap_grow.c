// attack: mremap a one-page map to ~4 GiB in place, and to 3 GiB with MREMAP_MAYMOVE
// (past the end of memory), then check the address space still makes sense
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    void *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) broken("mmap");
    long r = syscall(SYS_mremap, p, 4096UL, 0xffff0000UL, 0L, 0L);
    if (r != -1) escaped("mremap in place to 0xffff0000 bytes returned %#lx", r);
    int e1 = errno;
    r = syscall(SYS_mremap, p, 4096UL, 0xc0000000UL, 1L /* MREMAP_MAYMOVE */, 0L);
    if (r != -1 && (uintptr_t)r + 0xc0000000UL > mem_end())
        escaped("mremap MAYMOVE to 3 GiB returned %#lx, memory ends at %#lx", r, (unsigned long)mem_end());
    int e2 = errno;
    check_space_sane("mremap");
    contained("mremap in place: %s; MAYMOVE 3 GiB: %s", errname(e1), r == -1 ? errname(e2) : "inside memory");
#endif
}
