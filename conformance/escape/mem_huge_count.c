// attack: read/write/pread/pwrite/getrandom with count 0xffffffff from a buffer 64
// bytes before the end of memory
// grant: none
#include "escape.h"
int main(int argc, char **argv) {
    setup(argc, argv);
    NATIVE_SKIP();
#ifdef __wasm__
    uintptr_t end = fresh_end_page();
    char *buf = (char *)(end - 64);
    int z = open("/dev/zero", O_RDONLY);
    int f = open("f", O_RDWR | O_CREAT | O_TRUNC, 0644);
    if (z < 0 || f < 0) broken("open");
    long r[5];
    int e[5];
    r[0] = syscall(SYS_read, z, buf, 0xffffffffUL); e[0] = errno;
    r[1] = syscall(SYS_write, f, buf, 0xffffffffUL); e[1] = errno;
    r[2] = syscall(SYS_pread64, z, buf, 0xffffffffUL, 0L); e[2] = errno;
    r[3] = syscall(SYS_pwrite64, f, buf, 0xffffffffUL, 0L); e[3] = errno;
    r[4] = syscall(SYS_getrandom, buf, 0xffffffffUL, 0L); e[4] = errno;
    for (int i = 0; i < 5; i++)
        if (r[i] > 64) escaped("call %d moved %ld bytes from a 64-byte tail of memory", i, r[i]);
    contained("read %s, write %s, pread %s, pwrite %s, getrandom %s", r[0] < 0 ? errname(e[0]) : "short",
              r[1] < 0 ? errname(e[1]) : "short", r[2] < 0 ? errname(e[2]) : "short",
              r[3] < 0 ? errname(e[3]) : "short", r[4] < 0 ? errname(e[4]) : "short");
#endif
}
