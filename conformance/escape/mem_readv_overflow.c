// attack: readv from /dev/zero into iovecs whose lengths overflow 32 bits, based near
// the end of memory: more bytes than memory holds
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    uintptr_t end = fresh_end_page();
    char *buf = (char *)(end - 64);
    int fd = open("/dev/zero", O_RDONLY);
    if (fd < 0) broken("open /dev/zero");
    struct iovec a[2] = {{buf, 0xfffffff0u}, {buf, 0x20}};
    struct iovec b[2] = {{buf, 0x80000000u}, {buf, 0x80000000u}};
    long r1 = syscall(SYS_readv, fd, a, 2);
    int e1 = errno;
    long r2 = syscall(SYS_readv, fd, b, 2);
    int e2 = errno;
    long r3 = syscall(SYS_preadv, fd, a, 2, 0L, 0L);
    int e3 = errno;
    if (r1 > 64 || r2 > 64 || r3 > 64) escaped("readv filled more than memory holds: %ld %ld %ld", r1, r2, r3);
    contained("readv: %ld %s, %ld %s, preadv %ld %s", r1, r1 < 0 ? errname(e1) : "", r2, r2 < 0 ? errname(e2) : "",
              r3, r3 < 0 ? errname(e3) : "");
#endif
}
