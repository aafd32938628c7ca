// attack: writev with iovec lengths that overflow 32 bits (0xfffffff0 + 0x20, and
// 2 x 0x80000000) from a buffer near the end of memory: more bytes than memory holds
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    uintptr_t end = fresh_end_page();
    char *buf = (char *)(end - 64);
    memset(buf, 'w', 64);
    int fd = open("f", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) broken("open f");
    struct iovec a[2] = {{buf, 0xfffffff0u}, {buf, 0x20}};
    struct iovec b[2] = {{buf, 0x80000000u}, {buf, 0x80000000u}};
    long r1 = syscall(SYS_writev, fd, a, 2);
    int e1 = errno;
    long r2 = syscall(SYS_writev, fd, b, 2);
    int e2 = errno;
    long r3 = syscall(SYS_writev, fd, a, 0x7fffffff);
    int e3 = errno;
    struct stat st;
    fstat(fd, &st);
    if (r1 > 64 || r2 > 64 || r3 > 64 || st.st_size > 64 * 3)
        escaped("writev wrote more than memory holds: %ld %ld %ld, file %lld bytes", r1, r2, r3, (long long)st.st_size);
    contained("writev: %ld %s, %ld %s, %ld %s", r1, r1 < 0 ? errname(e1) : "", r2, r2 < 0 ? errname(e2) : "",
              r3, r3 < 0 ? errname(e3) : "");
#endif
}
